//! Journal (filled by issue 2).
