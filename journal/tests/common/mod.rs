//! Helpers shared by the journal's integration tests: a workload driver that appends records of
//! several ledgers in rounds, and collectors for acknowledgements and replayed records.

#![allow(dead_code)]

use std::cell::RefCell;
use std::rc::Rc;

use bytes::Bytes;
use disk::faulty::FaultyDir;
use disk::DurableDir;
use futures_lite::future::{block_on, yield_now, zip};
use journal::{
    replay, Journal, JournalConfig, JournalError, Record, ReplayError, ReplayReport, YieldOnce,
};
use types::JournalPos;

/// Acknowledgements seen so far, in completion order.
pub type Acks = Rc<RefCell<Vec<(JournalPos, Record)>>>;
/// Failures seen so far.
pub type Failures = Rc<RefCell<Vec<JournalError>>>;

/// A small config that makes batches, rollovers and preallocation happen often.
pub fn small_config() -> JournalConfig {
    JournalConfig {
        alignment_bytes: 512,
        group_wait_max_us: 0,
        batch_bytes_max: 4096,
        writes_in_flight_max: 2,
        dsync_batch_bytes_max: 0,
        file_bytes_max: 16 * 1024,
        preallocate_step_bytes: 4096,
        queued_bytes_max: 1 << 20,
        queued_records_max: 10_000,
    }
}

/// A deterministic entry body: ledger, entry and a size that varies with both.
pub fn entry(ledger_id: i64, entry_id: i64) -> Record {
    let len = (ledger_id.unsigned_abs() as usize * 131 + entry_id.unsigned_abs() as usize * 977)
        % 1500
        + 1;
    let body: Vec<u8> = (0..len)
        .map(|index| (index as i64 ^ ledger_id ^ entry_id) as u8)
        .collect();
    Record::Entry {
        ledger_id,
        entry_id,
        body: Bytes::from(body),
    }
}

/// The workload: for each round, each ledger appends a few records (a ledger key first, a fence
/// at the end of ledger 0's life), then yields so the writer runs. Returns every record appended,
/// in append order.
pub fn records_for(ledgers: i64, rounds: i64) -> Vec<Vec<Record>> {
    let mut out = Vec::new();
    for round in 0..rounds {
        let mut batch = Vec::new();
        for ledger_id in 0..ledgers {
            if round == 0 {
                batch.push(Record::LedgerKey {
                    ledger_id,
                    master_key: [ledger_id as u8; 20],
                });
            }
            for step in 0..((round + ledger_id) % 3 + 1) {
                batch.push(entry(ledger_id, round * 3 + step));
            }
            if ledger_id == 1 && round % 4 == 3 {
                batch.push(Record::ExplicitLac {
                    ledger_id,
                    lac_blob: Bytes::from(vec![round as u8; 20]),
                });
            }
        }
        if round == rounds - 1 {
            batch.push(Record::Fence { ledger_id: 0 });
        }
        out.push(batch);
    }
    out
}

/// Appends `rounds` with callbacks recording acks and failures, yielding between rounds, then
/// closes the journal; runs the writer alongside. Returns the writer's result.
pub fn run_workload(
    journal: &Journal<FaultyDir, YieldOnce>,
    rounds: &[Vec<Record>],
    acks: &Acks,
    failures: &Failures,
) -> Result<(), JournalError> {
    let driver = async {
        for round in rounds {
            for record in round {
                let acks = Rc::clone(acks);
                let failures = Rc::clone(failures);
                let kept = record.clone();
                journal.append_with_callback(
                    record.clone(),
                    Box::new(move |result| match result {
                        Ok(pos) => acks.borrow_mut().push((pos, kept)),
                        Err(error) => failures.borrow_mut().push(error),
                    }),
                );
            }
            yield_now().await;
        }
        journal.close();
    };
    let (written, ()) = block_on(zip(journal.run_writer(), driver));
    written
}

/// Replays everything in `dir`, returning the records with their positions.
pub fn replay_all<D: DurableDir>(
    dir: &D,
) -> Result<(ReplayReport, Vec<(JournalPos, Record)>), ReplayError> {
    let mut seen = Vec::new();
    let report = block_on(replay(dir, JournalPos::ZERO, |pos, record| {
        seen.push((pos, record))
    }))?;
    Ok((report, seen))
}

/// Checks the durability contract on a replay: every acknowledged record comes back identical
/// at its position, every replayed record is one that was appended, and each ledger's records
/// come back in append order.
pub fn check_replay(
    acked: &[(JournalPos, Record)],
    appended: &[Record],
    replayed: &[(JournalPos, Record)],
    context: &str,
) {
    for (pos, record) in acked {
        assert!(
            replayed
                .iter()
                .any(|(seen_pos, seen)| seen_pos == pos && seen == record),
            "{context}: acknowledged record at {pos:?} was not replayed"
        );
    }
    let mut cursor_per_ledger = std::collections::HashMap::new();
    for (pos, record) in replayed {
        let ledger_id = record.ledger_id();
        let per_ledger: Vec<&Record> = appended
            .iter()
            .filter(|candidate| candidate.ledger_id() == ledger_id)
            .collect();
        let cursor = cursor_per_ledger.entry(ledger_id).or_insert(0usize);
        let found = per_ledger[*cursor..]
            .iter()
            .position(|candidate| *candidate == record);
        let Some(offset) = found else {
            panic!("{context}: replayed record at {pos:?} of ledger {ledger_id} is unknown or out of order");
        };
        *cursor += offset + 1;
    }
}
