//! Bookie (filled by issues 2 and 3).
