//! Zero-filling of preallocated journal space.
//!
//! `DurableFile::allocate` (`fallocate`) reserves blocks, but ext4 and xfs leave them
//! *unwritten*: the first write into such a block splits and converts its extent, and the
//! fdatasync after it must commit that metadata (a file-system journal commit) on top of the
//! device cache flush. Writing zeros over each preallocated range once turns it into written
//! blocks, so every later group-commit write is a plain overwrite and its fdatasync is a cache
//! flush only. Measured on ext4 over virtio (4 KiB O_DIRECT write + fdatasync, one thread):
//! p50 142-182 us and 62-79 us of CPU per write into fallocated space, 91-93 us and 39-41 us
//! into zero-filled space. The Java bookie preallocates its journal with zeros for the same
//! reason.
//!
//! The zeros are written a little at a time, [`ZERO_AHEAD_BYTES`] ahead of the records, topped
//! up each time [`ZERO_TOP_UP_BYTES`] of that were used, right after a batch's write was issued
//! (a whole 16 MiB step at once stopped the write loop for about 10 ms, which showed in the p99;
//! 512 KiB top-ups written before the batch they followed delayed that batch by 0.4-1 ms, about
//! one add in 128 at light load, which was the light-load p99).
//!
//! Zero-filling writes every byte twice, so it pays off only when writes are small:
//! each group commit into unwritten space costs an extent commit (`C`, about 50-90 us here),
//! zeroing costs `step / bandwidth`, so with writes of `B` bytes it wins while
//! `B < C * bandwidth` (about 100 KiB at 1.5 GB/s). [`pays_off`] applies that rule to the mean
//! write since the previous preallocation, so a journal at the disk's throughput limit (writes
//! of megabytes) does not write every byte twice.
//!
//! Invariant: zeros are written only over a range that preallocation has just added beyond
//! every byte a record write touched, and the caller awaits them before any record write into
//! that range starts, so no record byte is ever overwritten by zeros.

use disk::{DiskError, DurableFile};

/// Bytes of one zero write (a multiple of every supported alignment).
const ZERO_WRITE_BYTES_MAX: usize = 1 << 20;

/// How far ahead of the reserved bytes the zero-filled space reaches.
pub(crate) const ZERO_AHEAD_BYTES: u64 = 1 << 20;

/// How much of the look-ahead is used before it is topped up (the size of one top-up write).
pub(crate) const ZERO_TOP_UP_BYTES: u64 = 128 << 10;

/// Where the zeros written when a file is created end: one look-ahead, within the first step.
pub(crate) fn first_zeroed_end(config: &crate::JournalConfig) -> u64 {
    config.preallocate_step_bytes.min(ZERO_AHEAD_BYTES)
}

/// Mean group-commit write, in bytes, at or below which zero-filling pays off (module doc).
pub(crate) const ZERO_FILL_MEAN_WRITE_BYTES_MAX: u64 = 128 << 10;

/// Whether to zero-fill the next preallocation step, given the writes since the previous one:
/// yes when their mean size is at most [`ZERO_FILL_MEAN_WRITE_BYTES_MAX`] (or none happened).
pub(crate) fn pays_off(writes: u64, bytes_written: u64) -> bool {
    writes == 0 || bytes_written / writes <= ZERO_FILL_MEAN_WRITE_BYTES_MAX
}

/// Writes zeros over the aligned blocks inside `[start_bytes, end_bytes)` (`alignment_bytes` is
/// a power of two); a partial block at either end stays as it is.
pub(crate) async fn zero_fill<F: DurableFile>(
    file: &F,
    start_bytes: u64,
    end_bytes: u64,
    alignment_bytes: usize,
) -> Result<(), DiskError> {
    let alignment = alignment_bytes.max(1) as u64;
    let start_bytes = start_bytes.div_ceil(alignment).saturating_mul(alignment);
    let end_bytes = end_bytes - end_bytes % alignment;
    if end_bytes <= start_bytes {
        return Ok(());
    }
    let chunk_bytes = ZERO_WRITE_BYTES_MAX.max(alignment_bytes);
    let total_bytes = end_bytes - start_bytes;
    let capacity_bytes =
        usize::try_from(total_bytes).map_or(chunk_bytes, |total| total.min(chunk_bytes));
    let mut buffer = file.alloc_write_buffer(capacity_bytes)?;
    buffer.as_mut_slice().fill(0);
    let mut offset_bytes = start_bytes;
    while offset_bytes < end_bytes {
        let len_bytes = usize::try_from(end_bytes - offset_bytes)
            .map_or(capacity_bytes, |left| left.min(buffer.capacity_bytes()));
        if len_bytes == 0 || !buffer.set_len(len_bytes) {
            // The previous write could not hand its buffer back: take a fresh one.
            buffer = file.alloc_write_buffer(capacity_bytes)?;
            buffer.as_mut_slice().fill(0);
            continue;
        }
        let (result, returned) = file.write_buffer_at(offset_bytes, buffer).await;
        result?;
        buffer = returned;
        offset_bytes += len_bytes as u64;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use disk::faulty::FaultyDisk;
    use disk::{DurableDir, DurableFile};
    use futures_lite::future::block_on;

    use super::{pays_off, zero_fill, ZERO_FILL_MEAN_WRITE_BYTES_MAX, ZERO_WRITE_BYTES_MAX};

    #[test]
    fn zero_filling_pays_off_for_small_writes_only() {
        assert!(pays_off(0, 0));
        assert!(pays_off(1000, 1000 * 4096));
        assert!(pays_off(10, 10 * ZERO_FILL_MEAN_WRITE_BYTES_MAX));
        assert!(!pays_off(10, 10 * (4 << 20)));
    }

    #[test]
    fn zero_fill_overwrites_whole_blocks_inside_the_range_and_nothing_outside() {
        block_on(async {
            let disk = FaultyDisk::new();
            let file = disk.dir("j").create_file("f").await.expect("create");
            let block = file.alignment_bytes();
            file.write_at(0, &vec![0xaa; 8 * block])
                .await
                .expect("write");
            // Starts 10 bytes into block 1 and ends 5 bytes into block 6: blocks 2..6 are zeroed.
            zero_fill(&file, block as u64 + 10, 6 * block as u64 + 5, block)
                .await
                .expect("zero fill");
            let bytes = file.read_at(0, 8 * block).await.expect("read");
            assert!(bytes[..2 * block].iter().all(|&byte| byte == 0xaa));
            assert!(bytes[2 * block..6 * block].iter().all(|&byte| byte == 0));
            assert!(bytes[6 * block..].iter().all(|&byte| byte == 0xaa));
        });
    }

    #[test]
    fn zero_fill_of_a_range_larger_than_one_write_reaches_its_end() {
        block_on(async {
            let disk = FaultyDisk::new();
            let file = disk.dir("j").create_file("f").await.expect("create");
            let block = file.alignment_bytes();
            let end = (2 * ZERO_WRITE_BYTES_MAX + 3 * block) as u64;
            file.write_at(0, &vec![0xaa; end as usize + block])
                .await
                .expect("write");
            zero_fill(&file, 0, end, block).await.expect("zero fill");
            let bytes = file.read_at(0, end as usize + block).await.expect("read");
            assert!(bytes[..end as usize].iter().all(|&byte| byte == 0));
            assert!(bytes[end as usize..].iter().all(|&byte| byte == 0xaa));
        });
    }
}
