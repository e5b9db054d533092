//! Ensemble placement (being built; see issue 4).
