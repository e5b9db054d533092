//! The index snapshot: the whole index in one file, written to a temporary name, synced, renamed
//! into place and made durable with a directory sync.
//!
//! Layout: the 32-byte file header (aux = record count), then batches of at most
//! [`SNAPSHOT_BATCH_RECORDS_MAX`] records back to back, then zero padding to the alignment.
//!
//! Invariants:
//! - A snapshot is visible under its final name only once all its bytes are durable, so any
//!   damage found while loading it is corruption, never a torn write.
//! - The records are copied out of the index before the first await and the snapshot is encoded
//!   in memory (about 72 bytes per entry, transient), so no borrow of the store is held while it
//!   is written.

use disk::{DiskError, DurableDir, DurableFile};

use super::file_header::{self, FILE_HEADER_BYTES, SNAPSHOT_MAGIC};
use super::record::{decode_batch, encode_batch, BatchHeader, IndexRecord};
use super::{snapshot_file_name, SNAPSHOT_TEMP_NAME};
use crate::be::pad_to;
use crate::error::StoreError;

/// Records per batch inside a snapshot (2 MiB of records).
pub const SNAPSHOT_BATCH_RECORDS_MAX: usize = 1 << 16;

/// Encodes a snapshot of `records`.
pub(crate) fn encode(
    gen: u64,
    header: BatchHeader,
    records: &[IndexRecord],
    alignment_bytes: usize,
) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(FILE_HEADER_BYTES + records.len() * 33 + alignment_bytes);
    bytes.extend_from_slice(&file_header::encode(
        SNAPSHOT_MAGIC,
        gen,
        records.len() as u64,
    ));
    for chunk in records.chunks(SNAPSHOT_BATCH_RECORDS_MAX) {
        encode_batch(&mut bytes, header, chunk);
    }
    if records.is_empty() {
        encode_batch(&mut bytes, header, &[]);
    }
    pad_to(&mut bytes, alignment_bytes);
    bytes
}

/// Writes snapshot `gen` of `records`: temp file, sync, rename, directory sync.
pub(crate) async fn write<D: DurableDir>(
    dir: &D,
    gen: u64,
    header: BatchHeader,
    records: &[IndexRecord],
) -> Result<(), StoreError> {
    match dir.remove_file(SNAPSHOT_TEMP_NAME).await {
        Ok(()) | Err(DiskError::NotFound { .. }) => {}
        Err(error) => return Err(error.into()),
    }
    let file = dir.create_file(SNAPSHOT_TEMP_NAME).await?;
    let bytes = encode(gen, header, records, file.alignment_bytes());
    file.write_at(0, &bytes).await?;
    file.sync().await?;
    dir.rename_file(SNAPSHOT_TEMP_NAME, &snapshot_file_name(gen))
        .await?;
    dir.sync_dir().await?;
    Ok(())
}

/// Loads a snapshot: its batch header (sequence and next log id) and all its records.
pub(crate) async fn load<F: DurableFile>(
    file: &F,
    name: &str,
) -> Result<(BatchHeader, Vec<IndexRecord>), StoreError> {
    let size_bytes = file.size_bytes().await?;
    let bytes = file
        .read_at(0, usize::try_from(size_bytes).unwrap_or(usize::MAX))
        .await?;
    let (_, record_count) = file_header::decode(&bytes, SNAPSHOT_MAGIC)
        .map_err(|reason| StoreError::corrupt(name, 0, reason))?;
    let mut records = Vec::new();
    let mut offset = FILE_HEADER_BYTES;
    let mut last_header = None;
    while (records.len() as u64) < record_count || last_header.is_none() {
        let tail = bytes.get(offset..).unwrap_or(&[]);
        let (header, batch, len) = decode_batch(tail)
            .map_err(|reason| StoreError::corrupt(name, offset as u64, reason))?;
        if batch.is_empty() && record_count > 0 {
            return Err(StoreError::corrupt(
                name,
                offset as u64,
                "empty batch inside a snapshot",
            ));
        }
        records.extend(batch);
        last_header = Some(header);
        offset += len;
    }
    if records.len() as u64 != record_count {
        return Err(StoreError::corrupt(
            name,
            offset as u64,
            "snapshot record count mismatch",
        ));
    }
    let header =
        last_header.ok_or_else(|| StoreError::corrupt(name, 0, "snapshot without batches"))?;
    Ok((header, records))
}
