//! The BookKeeper client library (issue 4): create, open (with or without recovery), add,
//! read, read LAC, close and delete ledgers striped over an ensemble of bookies.
