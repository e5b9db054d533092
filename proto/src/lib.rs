//! BookKeeper wire protocol (filled by the proto work of issue 2).
