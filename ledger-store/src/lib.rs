//! Ledger store (filled by issue 2).
