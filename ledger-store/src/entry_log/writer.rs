//! [`EntryLogWriter`]: appends records to the current entry log through an aligned buffer, rolls
//! over at the size limit, preallocates ahead, and syncs.
//!
//! The writer is owned by whoever holds the store's maintenance gate (flush or compaction); it is
//! never shared, so it may be held across `.await`.
//!
//! Invariants:
//! - `durable_end <= written_end`, both aligned; bytes below `durable_end` are never written again.
//! - A write is issued only for whole aligned blocks; the tail is padded with zeros at `sync_all`.
//! - Records are encoded straight into the file's own write buffer (`DurableFile::alloc_write_buffer`,
//!   glommio DMA memory in production), which is then written without another copy; the
//!   unaligned tail of each write moves to the next buffer.
//! - With `sync_every_bytes`, the active log is also synced each time that many bytes were written
//!   since its last sync; this only moves `durable_end` forward over written bytes.
//! - After `rollback`, the next write starts at `durable_end` (or in a fresh log), so a failed
//!   attempt only ever leaves unreferenced bytes behind.

use std::rc::Rc;

use disk::{DurableDir, DurableFile, WriteBuffer};
use types::EntryLocation;

use super::format::{encode_log_header, encode_record_into, LogHeader, RECORD_HEADER_BYTES};
use super::log_file_name;
use crate::be::align_up;
use crate::error::StoreError;

struct ActiveLog<F> {
    log_id: u32,
    /// The file's write alignment.
    alignment_bytes: usize,
    file: Rc<F>,
    /// End of the bytes known durable (after the last successful sync), aligned.
    durable_end: u64,
    /// End of the bytes written to the file, aligned.
    written_end: u64,
    /// End of the preallocated range (the file size).
    allocated_end: u64,
    /// Bytes not yet written, logically starting at `written_end`: the first `filled` bytes.
    buffer: WriteBuffer,
    filled: usize,
    /// The buffer of the last completed write, reused for the next one when still large enough
    /// (fresh memory is faulted in page by page while records are encoded into it).
    spare: Option<WriteBuffer>,
    /// A write failed since the last `rollback`: the buffer no longer holds every byte after
    /// `written_end`, so nothing more may be written until the writer is rolled back.
    broken: bool,
}

impl<F: DurableFile> ActiveLog<F> {
    /// Makes room for `record_bytes` more bytes after the filled ones, writing out the aligned
    /// prefix first when the buffer is full, and growing the buffer for an outsized record.
    async fn reserve(
        &mut self,
        limits: WriterLimits,
        record_bytes: usize,
    ) -> Result<(), StoreError> {
        if self.filled + record_bytes <= self.buffer.capacity_bytes() {
            return Ok(());
        }
        write_out(self, limits, false).await?;
        if self.filled + record_bytes > self.buffer.capacity_bytes() {
            let capacity =
                buffer_capacity(limits, self.alignment_bytes, self.filled + record_bytes);
            self.replace_buffer(capacity)?;
        }
        Ok(())
    }

    /// Moves the filled bytes from `from` on into a fresh buffer of `capacity_bytes`, which
    /// becomes the log's buffer; returns the old one.
    fn replace_buffer_from(
        &mut self,
        from: usize,
        capacity_bytes: usize,
    ) -> Result<WriteBuffer, StoreError> {
        let tail_bytes = self.filled - from;
        // A spare of at least half the asked capacity will do: the writer writes out whenever
        // a buffer is full, so a smaller one only means somewhat smaller writes.
        let spare = self.spare.take().filter(|spare| {
            spare.capacity_bytes() >= (capacity_bytes / 2).max(tail_bytes + self.alignment_bytes)
        });
        let mut fresh = match spare {
            Some(spare) => spare,
            None => self.file.alloc_write_buffer(capacity_bytes)?,
        };
        if !fresh.set_len(fresh.capacity_bytes()) || fresh.capacity_bytes() < tail_bytes {
            return Err(StoreError::Config(
                "entry-log write buffer smaller than asked".to_owned(),
            ));
        }
        self.buffer.set_len(self.filled);
        fresh.as_mut_slice()[..tail_bytes]
            .copy_from_slice(&self.buffer.as_slice()[from..self.filled]);
        self.filled = tail_bytes;
        Ok(std::mem::replace(&mut self.buffer, fresh))
    }

    fn replace_buffer(&mut self, capacity_bytes: usize) -> Result<(), StoreError> {
        self.replace_buffer_from(0, capacity_bytes).map(drop)
    }
}

/// A write buffer's capacity: the write size plus one block, or `need_bytes` rounded up to a
/// block when a record is larger.
fn buffer_capacity(limits: WriterLimits, alignment_bytes: usize, need_bytes: usize) -> usize {
    let rounded = align_up(need_bytes as u64, alignment_bytes as u64) as usize;
    limits.write_buffer_bytes.max(rounded) + alignment_bytes
}

/// Limits of the writer.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WriterLimits {
    pub(crate) log_bytes_max: u64,
    pub(crate) prealloc_bytes: u64,
    pub(crate) write_buffer_bytes: usize,
    /// Sync the active log once this many bytes were written since its last sync (0: never
    /// mid-flush; `sync_all` still syncs everything at the end).
    pub(crate) sync_every_bytes: u64,
}

/// Appends entry records to entry logs.
pub(crate) struct EntryLogWriter<F> {
    limits: WriterLimits,
    next_log_id: u32,
    current: Option<ActiveLog<F>>,
    /// Sealed logs written since the last successful sync.
    sealed_unsynced: Vec<Rc<F>>,
    /// Whether a file was created since the last successful `sync_dir`.
    created_since_sync: bool,
    /// Logs created since the last `take_created`, for the store's file table.
    created: Vec<(u32, Rc<F>)>,
}

impl<F: DurableFile> EntryLogWriter<F> {
    pub(crate) fn new(limits: WriterLimits, next_log_id: u32) -> Self {
        Self {
            limits,
            next_log_id,
            current: None,
            sealed_unsynced: Vec::new(),
            created_since_sync: false,
            created: Vec::new(),
        }
    }

    /// The log id the writer appends to now, if any.
    pub(crate) fn current_log_id(&self) -> Option<u32> {
        self.current.as_ref().map(|log| log.log_id)
    }

    /// The lowest log id never handed out.
    pub(crate) fn next_log_id(&self) -> u32 {
        self.next_log_id
    }

    /// Logs created since the last call.
    pub(crate) fn take_created(&mut self) -> Vec<(u32, Rc<F>)> {
        std::mem::take(&mut self.created)
    }

    /// Appends one record and returns where it will live.
    pub(crate) async fn append<D: DurableDir<File = F>>(
        &mut self,
        dir: &D,
        ledger_id: i64,
        entry_id: i64,
        body: &[u8],
    ) -> Result<EntryLocation, StoreError> {
        let record_bytes = (RECORD_HEADER_BYTES + body.len()) as u64;
        let needs_roll = match &self.current {
            None => true,
            Some(log) => {
                log.written_end + log.filled as u64 + record_bytes > self.limits.log_bytes_max
            }
        };
        if needs_roll {
            self.roll(dir).await?;
        }
        let limits = self.limits;
        let log = self.current.as_mut().ok_or(StoreError::Poisoned)?;
        let record_bytes = RECORD_HEADER_BYTES + body.len();
        log.reserve(limits, record_bytes).await?;
        let offset_bytes = log.written_end + log.filled as u64;
        let start = log.filled;
        if !log.buffer.set_len(start + record_bytes) {
            return Err(StoreError::Config(
                "entry-log write buffer smaller than reserved".to_owned(),
            ));
        }
        encode_record_into(
            &mut log.buffer.as_mut_slice()[start..],
            log.log_id,
            ledger_id,
            entry_id,
            body,
        );
        log.filled += record_bytes;
        let location = EntryLocation::new(log.log_id, offset_bytes)
            .ok_or_else(|| StoreError::Config("entry-log offset exceeds 32 bits".to_owned()))?;
        if log.filled >= limits.write_buffer_bytes {
            write_out(log, limits, false).await?;
        }
        Ok(location)
    }

    /// Seals the current log (if any) and starts a new one whose header sits in the buffer.
    async fn roll<D: DurableDir<File = F>>(&mut self, dir: &D) -> Result<(), StoreError> {
        if let Some(mut log) = self.current.take() {
            let result = write_out(&mut log, self.limits, true).await;
            let file = log.file.clone();
            self.current = Some(log);
            result?;
            self.current = None;
            self.sealed_unsynced.push(file);
        }
        let log_id = self.next_log_id;
        let file = Rc::new(dir.create_file(&log_file_name(log_id)).await?);
        self.next_log_id = log_id
            .checked_add(1)
            .ok_or_else(|| StoreError::Config("entry-log ids exhausted".to_owned()))?;
        self.created_since_sync = true;
        self.created.push((log_id, file.clone()));
        let alignment = file.alignment_bytes();
        let header = encode_log_header(LogHeader {
            log_id,
            first_record_offset_bytes: u32::try_from(alignment).unwrap_or(u32::MAX),
        });
        let capacity = buffer_capacity(self.limits, alignment, header.len());
        let mut buffer = file.alloc_write_buffer(capacity)?;
        let filled = align_up(header.len() as u64, alignment as u64) as usize;
        if !buffer.set_len(filled) {
            return Err(StoreError::Config(
                "entry-log write buffer smaller than asked".to_owned(),
            ));
        }
        let first_block = buffer.as_mut_slice();
        first_block.fill(0);
        first_block[..header.len()].copy_from_slice(&header);
        self.current = Some(ActiveLog {
            log_id,
            alignment_bytes: alignment,
            file,
            durable_end: 0,
            written_end: 0,
            allocated_end: 0,
            buffer,
            filled,
            spare: None,
            broken: false,
        });
        Ok(())
    }

    /// Pads and writes everything buffered, syncs every log written since the last sync, and
    /// syncs the directory if a log was created. On success all appended records are durable.
    pub(crate) async fn sync_all<D: DurableDir<File = F>>(
        &mut self,
        dir: &D,
    ) -> Result<(), StoreError> {
        let limits = self.limits;
        if let Some(log) = self.current.as_mut() {
            write_out(log, limits, true).await?;
        }
        for file in &self.sealed_unsynced {
            file.sync().await?;
        }
        if let Some(log) = self.current.as_ref() {
            if log.written_end > log.durable_end {
                log.file.sync().await?;
            }
        }
        if self.created_since_sync {
            dir.sync_dir().await?;
        }
        self.sealed_unsynced.clear();
        self.created_since_sync = false;
        if let Some(log) = self.current.as_mut() {
            log.durable_end = log.written_end;
        }
        Ok(())
    }

    /// Forgets everything appended since the last successful `sync_all`: the next append starts
    /// at the durable end of the current log, or in a new log if the current one never became
    /// durable. Logs sealed meanwhile keep only unreferenced bytes (garbage for GC).
    pub(crate) fn rollback(&mut self) {
        self.sealed_unsynced.clear();
        if let Some(log) = self.current.as_mut() {
            if log.durable_end == 0 {
                self.current = None;
            } else {
                log.filled = 0;
                log.broken = false;
                log.written_end = log.durable_end;
            }
        }
    }
}

/// Writes the aligned prefix of the buffer (all of it, zero-padded, when `pad`), preallocating
/// ahead of the write position first.
async fn write_out<F: DurableFile>(
    log: &mut ActiveLog<F>,
    limits: WriterLimits,
    pad: bool,
) -> Result<(), StoreError> {
    if log.broken {
        return Err(StoreError::Config(
            "entry-log writer used after a failed write without a rollback".to_owned(),
        ));
    }
    let alignment = log.alignment_bytes;
    if pad {
        let padded = align_up(log.filled as u64, alignment as u64) as usize;
        if padded > log.filled {
            // The buffer always has a block to spare (`buffer_capacity`).
            if !log.buffer.set_len(padded) {
                return Err(StoreError::Config(
                    "entry-log write buffer too small to pad".to_owned(),
                ));
            }
            log.buffer.as_mut_slice()[log.filled..padded].fill(0);
            log.filled = padded;
        }
    }
    let len_bytes = log.filled / alignment * alignment;
    if len_bytes == 0 {
        return Ok(());
    }
    let end_bytes = log.written_end + len_bytes as u64;
    if end_bytes > log.allocated_end {
        let target = (log.allocated_end + limits.prealloc_bytes)
            .min(limits.log_bytes_max)
            .max(end_bytes);
        log.file
            .allocate(log.allocated_end, target - log.allocated_end)
            .await?;
        log.allocated_end = target;
    }
    // The aligned prefix goes out in the buffer it was encoded in; the tail starts the next one.
    let capacity = buffer_capacity(limits, alignment, log.filled - len_bytes);
    let mut full = log.replace_buffer_from(len_bytes, capacity)?;
    full.set_len(len_bytes);
    let (result, returned) = log.file.write_buffer_at(log.written_end, full).await;
    if let Err(error) = result {
        log.broken = true;
        return Err(error.into());
    }
    log.spare = Some(returned);
    log.written_end = end_bytes;
    if limits.sync_every_bytes > 0 && log.written_end - log.durable_end >= limits.sync_every_bytes {
        // Only bytes already written are synced, so `durable_end` never runs ahead of them;
        // nothing indexes these bytes before `sync_all` and the index batch that follows it.
        log.file.sync().await?;
        log.durable_end = log.written_end;
    }
    Ok(())
}
