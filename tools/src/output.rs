//! Printing: text for people, one JSON document for scripts; and the JSON shape of ledger
//! metadata (BookKeeper's field names).

use metadata::{LedgerMetadata, LedgerState};
use serde_json::{json, Value};

/// Prints `value` as JSON when `json`, else `text`.
pub fn emit(json: bool, value: Value, text: impl FnOnce() -> String) {
    if json {
        println!("{value}");
    } else {
        let text = text();
        if !text.is_empty() {
            println!("{text}");
        }
    }
}

/// A state's BookKeeper name.
pub fn state_name(state: LedgerState) -> &'static str {
    match state {
        LedgerState::Open => "OPEN",
        LedgerState::InRecovery => "IN_RECOVERY",
        LedgerState::Closed => "CLOSED",
    }
}

/// Ledger metadata as JSON.
pub fn metadata_json(ledger_id: i64, metadata: &LedgerMetadata) -> Value {
    json!({
        "ledgerId": ledger_id,
        "state": state_name(metadata.state),
        "ensembleSize": metadata.ensemble_size,
        "writeQuorumSize": metadata.write_quorum_size,
        "ackQuorumSize": metadata.ack_quorum(),
        "lastEntryId": metadata.last_entry_id,
        "length": metadata.length_bytes,
        "digestType": metadata.digest_type.map(|d| format!("{d:?}").to_uppercase()),
        "ctime": metadata.ctime_ms,
        "ensembles": metadata.ensembles.iter().map(|segment| json!({
            "firstEntryId": segment.first_entry_id,
            "bookies": segment.bookies.iter().map(|b| b.as_str()).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "customMetadata": metadata.custom_metadata.iter().map(|(key, value)| json!({
            "key": key,
            "value": String::from_utf8_lossy(value),
        })).collect::<Vec<_>>(),
    })
}

/// Ledger metadata as text lines.
pub fn metadata_text(ledger_id: i64, metadata: &LedgerMetadata) -> String {
    let mut lines = vec![
        format!("ledgerID: {ledger_id}"),
        format!("state: {}", state_name(metadata.state)),
        format!(
            "quorums: E={} Qw={} Qa={}",
            metadata.ensemble_size,
            metadata.write_quorum_size,
            metadata.ack_quorum()
        ),
        format!("lastEntryId: {}", metadata.last_entry_id),
        format!("length: {}", metadata.length_bytes),
        format!(
            "digestType: {}",
            metadata
                .digest_type
                .map_or("-".to_owned(), |d| format!("{d:?}").to_uppercase())
        ),
    ];
    for segment in &metadata.ensembles {
        let bookies: Vec<&str> = segment.bookies.iter().map(|b| b.as_str()).collect();
        lines.push(format!(
            "ensemble from entry {}: {}",
            segment.first_entry_id,
            bookies.join(", ")
        ));
    }
    lines.join("\n")
}
