//! The index snapshot: the whole index in one file, written to a temporary name, synced, renamed
//! into place and made durable with a directory sync.
//!
//! Layout: the 32-byte file header (aux = record count), then batches of at most
//! [`SNAPSHOT_BATCH_RECORDS_MAX`] records back to back, then zero padding to the alignment.
//!
//! Invariants:
//! - A snapshot is visible under its final name only once all its bytes are durable, so any
//!   damage found while loading it is corruption, never a torn write.
//! - The snapshot is produced one batch at a time ([`write_chunks`]): the caller fills each batch
//!   of at most [`SNAPSHOT_BATCH_RECORDS_MAX`] records without holding any borrow across an
//!   await, the batches are encoded into a buffer written out in aligned pieces of about
//!   [`SNAPSHOT_WRITE_BYTES`], and the executor runs other tasks between batches. Before, the whole
//!   index was copied and encoded in one synchronous step: at peak (a few million entries) that
//!   stopped the core for 50-100 ms once per snapshot, every add in flight waiting, and its
//!   transient memory grew with the index (about 72 bytes per entry).
//! - The record count in the file header is known only at the end: the first aligned block is
//!   kept and rewritten with it before the sync, so the bytes are those of a snapshot encoded at
//!   once.

use disk::{DiskError, DurableDir, DurableFile};

use super::file_header::{self, FILE_HEADER_BYTES, SNAPSHOT_MAGIC};
use super::record::{decode_batch, encode_batch, BatchHeader, IndexRecord};
use super::{snapshot_file_name, SNAPSHOT_TEMP_NAME};
use crate::be::pad_to;
use crate::error::StoreError;

/// Records per batch inside a snapshot (2 MiB of records).
pub const SNAPSHOT_BATCH_RECORDS_MAX: usize = 1 << 16;

/// Encodes a snapshot of `records`.
#[cfg(test)]
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

/// Bytes of encoded batches gathered before they are written (rounded down to the alignment).
pub const SNAPSHOT_WRITE_BYTES: usize = 4 << 20;

/// Writes snapshot `gen` of `records`: temp file, sync, rename, directory sync.
#[cfg(test)]
pub(crate) async fn write<D: DurableDir>(
    dir: &D,
    gen: u64,
    header: BatchHeader,
    records: &[IndexRecord],
) -> Result<(), StoreError> {
    let mut chunks = records.chunks(SNAPSHOT_BATCH_RECORDS_MAX);
    write_chunks(dir, gen, header, |batch| {
        if let Some(chunk) = chunks.next() {
            batch.extend_from_slice(chunk);
        }
        chunks.len() > 0
    })
    .await
}

/// Writes snapshot `gen` whose records `next_batch` produces: each call appends at most
/// [`SNAPSHOT_BATCH_RECORDS_MAX`] records to the (empty) vector it is given and returns whether
/// more follow. Every batch but the last must be full, so the file has the same bytes as
/// [`encode`] of all the records. Temp file, sync, rename, directory sync.
pub(crate) async fn write_chunks<D: DurableDir>(
    dir: &D,
    gen: u64,
    header: BatchHeader,
    mut next_batch: impl FnMut(&mut Vec<IndexRecord>) -> bool,
) -> Result<(), StoreError> {
    match dir.remove_file(SNAPSHOT_TEMP_NAME).await {
        Ok(()) | Err(DiskError::NotFound { .. }) => {}
        Err(error) => return Err(error.into()),
    }
    let file = dir.create_file(SNAPSHOT_TEMP_NAME).await?;
    let alignment = file.alignment_bytes().max(FILE_HEADER_BYTES);
    let mut pending = Vec::with_capacity(SNAPSHOT_WRITE_BYTES + alignment);
    pending.extend_from_slice(&file_header::encode(SNAPSHOT_MAGIC, gen, 0));
    // The first aligned block once written, to rewrite with the final record count.
    let mut first_block: Option<Vec<u8>> = None;
    let mut written_bytes = 0u64;
    let mut record_count = 0u64;
    let mut batch = Vec::with_capacity(SNAPSHOT_BATCH_RECORDS_MAX);
    loop {
        batch.clear();
        let more = next_batch(&mut batch);
        if !batch.is_empty() {
            record_count += batch.len() as u64;
            encode_batch(&mut pending, header, &batch);
        }
        if !more {
            break;
        }
        if pending.len() >= SNAPSHOT_WRITE_BYTES {
            let aligned = pending.len() / alignment * alignment;
            let piece = pending.get(..aligned).unwrap_or_default();
            file.write_at(written_bytes, piece).await?;
            if written_bytes == 0 {
                first_block = piece.get(..alignment).map(<[u8]>::to_vec);
            }
            written_bytes += aligned as u64;
            pending.drain(..aligned);
        } else {
            // Let the core's other tasks (adds) run between batches.
            futures_lite::future::yield_now().await;
        }
    }
    if record_count == 0 {
        encode_batch(&mut pending, header, &[]);
    }
    pad_to(&mut pending, file.alignment_bytes());
    let counted = file_header::encode(SNAPSHOT_MAGIC, gen, record_count);
    match first_block.as_mut() {
        None => patch_header(&mut pending, &counted),
        Some(block) => patch_header(block, &counted),
    }
    file.write_at(written_bytes, &pending).await?;
    if let Some(block) = first_block {
        file.write_at(0, &block).await?;
    }
    file.sync().await?;
    dir.rename_file(SNAPSHOT_TEMP_NAME, &snapshot_file_name(gen))
        .await?;
    dir.sync_dir().await?;
    Ok(())
}

/// Overwrites the file header at the start of `bytes`.
fn patch_header(bytes: &mut [u8], header: &[u8; FILE_HEADER_BYTES]) {
    if let Some(start) = bytes.get_mut(..FILE_HEADER_BYTES) {
        start.copy_from_slice(header);
    }
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use disk::faulty::{FaultyConfig, FaultyDisk};
    use futures_lite::future::block_on;
    use types::EntryLocation;

    use super::*;

    fn puts(count: usize) -> Vec<IndexRecord> {
        (0..count)
            .map(|i| IndexRecord::Put {
                ledger_id: (i / 1000) as i64,
                entry_id: (i % 1000) as i64,
                location: EntryLocation::new(1 + (i % 3) as u32, 4096 + i as u64).unwrap(),
                record_bytes: 0,
            })
            .collect()
    }

    #[test]
    fn a_snapshot_written_batch_by_batch_has_the_bytes_of_one_encode_and_loads_back() {
        let header = BatchHeader {
            seq: 42,
            next_log_id: 4,
        };
        // Empty, one short batch, exactly one full batch, and enough batches to cross
        // SNAPSHOT_WRITE_BYTES (an aligned piece written early, the header rewritten last).
        let sizes = [
            0,
            5,
            SNAPSHOT_BATCH_RECORDS_MAX,
            2 * SNAPSHOT_BATCH_RECORDS_MAX + 17,
        ];
        for alignment_bytes in [512, 4096] {
            for count in sizes {
                let disk = FaultyDisk::with_config(FaultyConfig {
                    alignment_bytes,
                    ..FaultyConfig::default()
                });
                let dir = disk.dir("index");
                let records = puts(count);
                block_on(write(&dir, 7, header, &records)).unwrap();
                let name = snapshot_file_name(7);
                let file = block_on(dir.open_file(&name)).unwrap();
                let size = block_on(file.size_bytes()).unwrap();
                let bytes = block_on(file.read_at(0, size as usize)).unwrap();
                assert_eq!(
                    bytes,
                    encode(7, header, &records, alignment_bytes),
                    "{count} records, {alignment_bytes}-byte alignment"
                );
                let (loaded_header, loaded) = block_on(load(&file, &name)).unwrap();
                assert_eq!(loaded_header, header);
                assert_eq!(loaded, records);
            }
        }
    }
}
