//! Replay: visit every record after a checkpoint mark, in order, across the journal files of one
//! directory (ascending file id), and say where and why the scan stopped.
//!
//! Each file is scanned from its records start (or from the mark, in the mark's file) until:
//! - a zero length field (preallocated zeros: the logical end), or the end of the file;
//! - a damaged frame (CRC mismatch, impossible length, truncated by end of file): a torn tail,
//!   unless a later batch mark in the same file says the damaged bytes were already durable when
//!   that batch was written, which is corruption of acknowledged data and a typed error.
//!
//! The same forward check runs after a zero length field, so zeros that replaced durable records
//! are corruption too. Then the next file is scanned: every open starts a fresh file, so an
//! earlier file may end in the torn tail of a crash.
//!
//! Invariants: replay never returns a record whose CRC did not match; it never panics on bytes
//! from disk; it reads at most one chunk plus one record at a time.
//! Limitation (documented in the format notes): damage to the last batches made durable before a
//! crash, with no later batch written after them, is indistinguishable from a torn write and is
//! reported as a torn tail.

use disk::{DiskError, DurableDir, DurableFile};
use types::JournalPos;

use crate::error::ReplayError;
use crate::file_name;
use crate::format::{
    decode_frame, decode_payload, Decoded, FileHeader, Frame, FrameError, HeaderError, Record,
    HEADER_BYTES,
};

/// Bytes read from a journal file at a time.
const READ_CHUNK_BYTES: usize = 1 << 20;

/// Why the scan of the last file stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StopReason {
    /// There was no journal file at or after the mark.
    NoFiles,
    /// A zero length field: the logical end (normal after a clean shutdown or rollover).
    EndMarker,
    /// The file ended exactly after the last record.
    EndOfFile,
    /// The file's header never became durable (a crash while the file was being created).
    EmptyFile,
    /// A damaged frame at the tail: a write that was not durable when the process stopped.
    /// Nothing from here on was acknowledged.
    TornTail {
        /// Where the damaged frame starts.
        offset_bytes: u64,
        /// What was wrong with it.
        reason: String,
    },
}

/// What replay did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplayReport {
    /// Records handed to the visitor (entries, ledger keys, fences, explicit LACs).
    pub records_replayed: u64,
    /// Journal files scanned.
    pub files_scanned: usize,
    /// Files whose scan ended in a torn tail (each is the trace of one crash).
    pub torn_tails: usize,
    /// The position after the last valid frame of the last file scanned (the mark when no file
    /// was scanned).
    pub end_pos: JournalPos,
    /// Why the scan of the last file stopped.
    pub stop: StopReason,
}

/// The ids of the journal files in `dir`, ascending. Names that are not journal file names are
/// ignored.
pub async fn journal_ids<D: DurableDir>(dir: &D) -> Result<Vec<u64>, DiskError> {
    let mut ids: Vec<u64> = dir
        .list_files()
        .await?
        .iter()
        .filter_map(|name| file_name::parse(name))
        .collect();
    ids.sort_unstable();
    Ok(ids)
}

/// Visits, in order, every record of `dir` after `from` (a position returned by the journal:
/// `durable_pos`, or the end of a record), calling `visitor(end of record, record)`.
///
/// `from == JournalPos::ZERO` replays everything. A mark whose file is missing is an error, as
/// in BookKeeper. Torn tails end a file normally; corruption is an error.
pub async fn replay<D, V>(
    dir: &D,
    from: JournalPos,
    mut visitor: V,
) -> Result<ReplayReport, ReplayError>
where
    D: DurableDir,
    V: FnMut(JournalPos, Record),
{
    let ids: Vec<u64> = journal_ids(dir)
        .await?
        .into_iter()
        .filter(|&id| id >= from.journal_id)
        .collect();
    if from.journal_id > 0 && ids.first() != Some(&from.journal_id) {
        return Err(ReplayError::MissingFile {
            journal_id: from.journal_id,
        });
    }
    let mut report = ReplayReport {
        records_replayed: 0,
        files_scanned: 0,
        torn_tails: 0,
        end_pos: from,
        stop: StopReason::NoFiles,
    };
    for id in ids {
        let start_bytes = if id == from.journal_id {
            from.offset_bytes
        } else {
            0
        };
        let file = dir.open_file(&file_name::name(id)).await?;
        let scan = scan_file(&file, id, start_bytes, &mut visitor).await?;
        report.records_replayed += scan.records;
        report.files_scanned += 1;
        report.end_pos = JournalPos::new(id, scan.end_bytes);
        if matches!(scan.stop, StopReason::TornTail { .. }) {
            report.torn_tails += 1;
            tracing::info!(journal_id = id, stop = ?scan.stop, "journal file ends in a torn tail");
        }
        report.stop = scan.stop;
    }
    Ok(report)
}

struct FileScan {
    records: u64,
    end_bytes: u64,
    stop: StopReason,
}

/// A window of file bytes, refilled one chunk at a time.
struct Window<'a, F> {
    file: &'a F,
    size_bytes: u64,
    start_bytes: u64,
    bytes: Vec<u8>,
}

impl<F: DurableFile> Window<'_, F> {
    /// At least `need_bytes` bytes from `pos_bytes` on (fewer only at the end of the file).
    async fn at(&mut self, pos_bytes: u64, need_bytes: usize) -> Result<&[u8], DiskError> {
        let window_end = self.start_bytes + self.bytes.len() as u64;
        let covered = pos_bytes >= self.start_bytes
            && (pos_bytes + need_bytes as u64 <= window_end || window_end >= self.size_bytes);
        if !covered || pos_bytes > window_end {
            let len = need_bytes.max(READ_CHUNK_BYTES);
            let len = len.min(self.size_bytes.saturating_sub(pos_bytes) as usize);
            self.bytes = self.file.read_at(pos_bytes, len).await?;
            self.start_bytes = pos_bytes;
        }
        let skip = (pos_bytes - self.start_bytes) as usize;
        Ok(self.bytes.get(skip..).unwrap_or(&[]))
    }
}

async fn scan_file<F, V>(
    file: &F,
    journal_id: u64,
    start_bytes: u64,
    visitor: &mut V,
) -> Result<FileScan, ReplayError>
where
    F: DurableFile,
    V: FnMut(JournalPos, Record),
{
    let size_bytes = file.size_bytes().await?;
    let head = file.read_at(0, HEADER_BYTES).await?;
    let header = match FileHeader::decode(&head) {
        Ok(header) => header,
        Err(HeaderError::Empty) => {
            return Ok(FileScan {
                records: 0,
                end_bytes: 0,
                stop: StopReason::EmptyFile,
            })
        }
        Err(error) => return Err(ReplayError::BadHeader { journal_id, error }),
    };
    if header.journal_id != journal_id {
        return Err(ReplayError::corrupt(
            journal_id,
            16,
            format!("header names journal {:x}", header.journal_id),
        ));
    }
    let alignment_bytes = u64::from(header.alignment_bytes);
    let mut window = Window {
        file,
        size_bytes,
        start_bytes: 0,
        bytes: Vec::new(),
    };
    let mut pos = start_bytes.max(alignment_bytes);
    let mut records = 0;
    loop {
        if pos >= size_bytes {
            return Ok(FileScan {
                records,
                end_bytes: pos,
                stop: StopReason::EndOfFile,
            });
        }
        let mut need = crate::format::FRAME_HEADER_BYTES;
        let outcome = loop {
            let bytes = window.at(pos, need).await?;
            match decode_frame(journal_id, bytes) {
                Err(FrameError::Truncated {
                    needed_bytes,
                    available_bytes,
                }) if pos + (available_bytes as u64) < size_bytes && needed_bytes > need => {
                    need = needed_bytes;
                }
                Ok(Frame::Record {
                    kind,
                    payload,
                    total_bytes,
                }) => {
                    break Ok((decode_payload(kind, payload), total_bytes));
                }
                Ok(Frame::End) => break Err(None),
                Err(error) => break Err(Some(error)),
            }
        };
        match outcome {
            Ok((Ok(decoded), total_bytes)) => {
                pos += total_bytes as u64;
                if let Decoded::Record(record) = decoded {
                    records += 1;
                    visitor(JournalPos::new(journal_id, pos), record);
                }
            }
            Ok((Err(error), _)) => {
                // The CRC matched, so these are the bytes a writer wrote: not a torn write.
                return Err(ReplayError::corrupt(
                    journal_id,
                    pos,
                    crate::error::payload_problem(&error),
                ));
            }
            Err(damage) => {
                check_nothing_durable_after(&mut window, journal_id, alignment_bytes, pos).await?;
                let stop = match damage {
                    None => StopReason::EndMarker,
                    Some(error) => StopReason::TornTail {
                        offset_bytes: pos,
                        reason: crate::error::frame_problem(&error),
                    },
                };
                return Ok(FileScan {
                    records,
                    end_bytes: pos,
                    stop,
                });
            }
        }
    }
}

/// Scans every aligned offset after `damaged_bytes` for a batch mark that says `damaged_bytes`
/// was durable when that batch was written; finding one means acknowledged data is damaged.
async fn check_nothing_durable_after<F: DurableFile>(
    window: &mut Window<'_, F>,
    journal_id: u64,
    alignment_bytes: u64,
    damaged_bytes: u64,
) -> Result<(), ReplayError> {
    let mut probe = (damaged_bytes / alignment_bytes + 1) * alignment_bytes;
    while probe < window.size_bytes {
        let bytes = window.at(probe, crate::format::frame_bytes(8)).await?;
        if let Ok(Frame::Record { kind, payload, .. }) = decode_frame(journal_id, bytes) {
            if let Ok(Decoded::BatchMark {
                durable_offset_bytes,
            }) = decode_payload(kind, payload)
            {
                if durable_offset_bytes > damaged_bytes {
                    return Err(ReplayError::corrupt(
                        journal_id,
                        damaged_bytes,
                        format!("damaged bytes were durable before the batch at offset {probe} was written"),
                    ));
                }
            }
        }
        probe += alignment_bytes;
    }
    Ok(())
}
