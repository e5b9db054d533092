//! Ledger metadata and the bookie registry (being built; see issues 3 and 4).
