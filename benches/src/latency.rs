//! Queue-depth-1 latency of one 4 KiB durable write through each I/O engine candidate:
//! blocking `pwrite` + `fdatasync` on one thread, `O_DSYNC` `pwrite`, `pwrite` here with the
//! `fdatasync` handed to a sync thread, glommio's `DmaFile` write + sync, and the journal itself
//! (one outstanding 4 KiB append) on its thread engine and on a glommio executor.
//! Every file is preallocated with `fallocate` first (not timed).

use std::fs::OpenOptions;
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::Path;
use std::rc::Rc;
use std::time::Instant;

use bytes::Bytes;
use disk::posix::PosixDir;
use disk::{DurableDir, DurableFile};
use hdrhistogram::Histogram;

use crate::aligned::AlignedBytes;

/// Bytes of one durable write.
pub const WRITE_BYTES: usize = 4096;
/// An entry body whose journal batch (mark + frame + entry header) is exactly 4096 bytes.
pub const JOURNAL_BODY_BYTES: usize = WRITE_BYTES - 17 - 25;

/// Latency percentiles, in microseconds.
#[derive(Debug, Clone, Copy)]
pub struct Latency {
    /// Median.
    pub p50_us: u64,
    /// 99th percentile.
    pub p99_us: u64,
    /// Operations per second at queue depth 1.
    pub ops_per_second: f64,
}

fn summarize(histogram: &Histogram<u64>, seconds: f64) -> Latency {
    Latency {
        p50_us: histogram.value_at_quantile(0.5),
        p99_us: histogram.value_at_quantile(0.99),
        ops_per_second: histogram.len() as f64 / seconds,
    }
}

fn histogram() -> Result<Histogram<u64>, String> {
    Histogram::new_with_bounds(1, 60_000_000, 3).map_err(|error| error.to_string())
}

fn fresh_file(
    dir: &Path,
    name: &str,
    extra_flags: i32,
    ops: usize,
) -> Result<std::fs::File, String> {
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .custom_flags(libc::O_DIRECT | extra_flags)
        .open(&path)
        .map_err(|error| format!("{}: {error}", path.display()))?;
    let posix = PosixDir::open(dir).map_err(|error| error.to_string())?;
    let handle =
        futures_lite::future::block_on(posix.open_file(name)).map_err(|error| error.to_string())?;
    handle
        .allocate_blocking(0, (ops * WRITE_BYTES) as u64)
        .map_err(|error| error.to_string())?;
    handle.sync_blocking().map_err(|error| error.to_string())?;
    Ok(file)
}

/// Blocking `pwrite` then `fdatasync`, one thread.
pub fn pwrite_fdatasync(dir: &Path, ops: usize) -> Result<Latency, String> {
    let file = fresh_file(dir, "lat-pwrite.dat", 0, ops)?;
    let buffer = AlignedBytes::new(WRITE_BYTES, 4096, 1);
    let mut histogram = histogram()?;
    let started = Instant::now();
    for index in 0..ops {
        let begin = Instant::now();
        file.write_all_at(buffer.as_slice(), (index * WRITE_BYTES) as u64)
            .map_err(|error| error.to_string())?;
        file.sync_data().map_err(|error| error.to_string())?;
        histogram
            .record(begin.elapsed().as_micros() as u64)
            .map_err(|error| error.to_string())?;
    }
    summarize(&histogram, started.elapsed().as_secs_f64()).pipe_ok()
}

/// `pwrite` on a file opened `O_DSYNC`.
pub fn odsync_pwrite(dir: &Path, ops: usize) -> Result<Latency, String> {
    let file = fresh_file(dir, "lat-odsync.dat", libc::O_DSYNC, ops)?;
    let buffer = AlignedBytes::new(WRITE_BYTES, 4096, 2);
    let mut histogram = histogram()?;
    let started = Instant::now();
    for index in 0..ops {
        let begin = Instant::now();
        file.write_all_at(buffer.as_slice(), (index * WRITE_BYTES) as u64)
            .map_err(|error| error.to_string())?;
        histogram
            .record(begin.elapsed().as_micros() as u64)
            .map_err(|error| error.to_string())?;
    }
    summarize(&histogram, started.elapsed().as_secs_f64()).pipe_ok()
}

/// `pwrite` here, `fdatasync` on a sync thread (one channel hop each way).
pub fn pwrite_then_sync_thread(dir: &Path, ops: usize) -> Result<Latency, String> {
    let file = std::sync::Arc::new(fresh_file(dir, "lat-syncthread.dat", 0, ops)?);
    let (request_sender, request_receiver) = crossbeam::channel::bounded::<()>(1);
    let (done_sender, done_receiver) = crossbeam::channel::bounded::<bool>(1);
    let sync_file = std::sync::Arc::clone(&file);
    let syncer = std::thread::spawn(move || {
        for () in request_receiver {
            let _ = done_sender.send(sync_file.sync_data().is_ok());
        }
    });
    let buffer = AlignedBytes::new(WRITE_BYTES, 4096, 3);
    let mut histogram = histogram()?;
    let started = Instant::now();
    for index in 0..ops {
        let begin = Instant::now();
        file.write_all_at(buffer.as_slice(), (index * WRITE_BYTES) as u64)
            .map_err(|error| error.to_string())?;
        request_sender.send(()).map_err(|error| error.to_string())?;
        if !done_receiver.recv().map_err(|error| error.to_string())? {
            return Err("fdatasync failed".to_owned());
        }
        histogram
            .record(begin.elapsed().as_micros() as u64)
            .map_err(|error| error.to_string())?;
    }
    let seconds = started.elapsed().as_secs_f64();
    drop(request_sender);
    let _ = syncer.join();
    summarize(&histogram, seconds).pipe_ok()
}

/// A fresh `DmaFile` named `name` in `path`, allocated for `ops` writes, with the allocation
/// synced (so the measured writes change no metadata but the extent conversion).
async fn fresh_dma_file(path: &Path, name: &str, ops: usize) -> Result<disk::dma::DmaFile, String> {
    let dma = disk::dma::DmaDir::open(path).map_err(|error| error.to_string())?;
    let _ = std::fs::remove_file(path.join(name));
    let file = dma
        .create_file(name)
        .await
        .map_err(|error| error.to_string())?;
    file.allocate(0, (ops * WRITE_BYTES) as u64)
        .await
        .map_err(|error| error.to_string())?;
    file.sync().await.map_err(|error| error.to_string())?;
    Ok(file)
}

/// glommio `DmaFile` write + sync on an unpinned executor.
pub fn glommio_dma(dir: &Path, ops: usize) -> Result<Latency, String> {
    let path = dir.to_path_buf();
    run_on_glommio(move || async move {
        let file = fresh_dma_file(&path, "lat-glommio.dat", ops).await?;
        let buffer = AlignedBytes::new(WRITE_BYTES, 4096, 4);
        let mut histogram = histogram()?;
        let started = Instant::now();
        for index in 0..ops {
            let begin = Instant::now();
            file.write_at((index * WRITE_BYTES) as u64, buffer.as_slice())
                .await
                .map_err(|error| error.to_string())?;
            file.sync().await.map_err(|error| error.to_string())?;
            histogram
                .record(begin.elapsed().as_micros() as u64)
                .map_err(|error| error.to_string())?;
        }
        let _ = std::fs::remove_file(path.join("lat-glommio.dat"));
        summarize(&histogram, started.elapsed().as_secs_f64()).pipe_ok()
    })
}

/// glommio `DmaFile` durable writes (`write_buffer_durable_at`: an `O_DSYNC` descriptor, one
/// io_uring write per durable write, no `fdatasync`).
pub fn glommio_dma_dsync(dir: &Path, ops: usize) -> Result<Latency, String> {
    let path = dir.to_path_buf();
    run_on_glommio(move || async move {
        let file = fresh_dma_file(&path, "lat-glommio-dsync.dat", ops).await?;
        let mut buffer = file
            .alloc_write_buffer(WRITE_BYTES)
            .map_err(|error| error.to_string())?;
        buffer.as_mut_slice().fill(4);
        let mut histogram = histogram()?;
        let started = Instant::now();
        for index in 0..ops {
            let begin = Instant::now();
            let (result, returned) = file
                .write_buffer_durable_at((index * WRITE_BYTES) as u64, buffer)
                .await;
            result.map_err(|error| error.to_string())?;
            buffer = returned;
            histogram
                .record(begin.elapsed().as_micros() as u64)
                .map_err(|error| error.to_string())?;
        }
        let _ = std::fs::remove_file(path.join("lat-glommio-dsync.dat"));
        summarize(&histogram, started.elapsed().as_secs_f64()).pipe_ok()
    })
}

/// The journal on its thread engine: one outstanding append whose batch is 4096 bytes.
pub fn journal_thread(dir: &Path, ops: usize) -> Result<Latency, String> {
    let owned = dir.to_path_buf();
    let thread = journal::JournalThread::spawn(
        "journal-latency",
        move || journal::SyncOffloadDir::new(PosixDir::open(&owned)?, "journal-latency-sync"),
        crate::journal_load::bench_config(),
    )
    .map_err(|error| error.to_string())?;
    let body = Bytes::from(vec![5u8; JOURNAL_BODY_BYTES]);
    let mut histogram = histogram()?;
    let started = Instant::now();
    for entry_id in 0..ops as i64 {
        let begin = Instant::now();
        let record = journal::Record::Entry {
            ledger_id: 1,
            entry_id,
            body: body.clone(),
        };
        futures_lite::future::block_on(thread.append(record)).map_err(|error| error.to_string())?;
        histogram
            .record(begin.elapsed().as_micros() as u64)
            .map_err(|error| error.to_string())?;
    }
    let seconds = started.elapsed().as_secs_f64();
    thread.shutdown().map_err(|error| error.to_string())?;
    summarize(&histogram, seconds).pipe_ok()
}

/// The journal on a glommio executor with `DmaDir`: one outstanding 4096-byte-batch append.
pub fn journal_glommio(dir: &Path, ops: usize) -> Result<Latency, String> {
    let path = dir.to_path_buf();
    run_on_glommio(move || async move {
        let dma = disk::dma::DmaDir::open(&path).map_err(|error| error.to_string())?;
        let journal =
            journal::Journal::open(dma, crate::journal_load::bench_config(), journal::YieldOnce)
                .await
                .map_err(|error| error.to_string())?;
        let journal = Rc::new(journal);
        let writer = {
            let journal = Rc::clone(&journal);
            glommio::spawn_local(async move { journal.run_writer().await })
        };
        let body = Bytes::from(vec![6u8; JOURNAL_BODY_BYTES]);
        let mut histogram = histogram()?;
        let started = Instant::now();
        for entry_id in 0..ops as i64 {
            let begin = Instant::now();
            let record = journal::Record::Entry {
                ledger_id: 1,
                entry_id,
                body: body.clone(),
            };
            journal
                .append(record)
                .await
                .map_err(|error| error.to_string())?;
            histogram
                .record(begin.elapsed().as_micros() as u64)
                .map_err(|error| error.to_string())?;
        }
        let seconds = started.elapsed().as_secs_f64();
        journal.close();
        writer.await.map_err(|error| error.to_string())?;
        summarize(&histogram, seconds).pipe_ok()
    })
}

fn run_on_glommio<F, Fut>(make: F) -> Result<Latency, String>
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<Latency, String>> + 'static,
{
    let handle = glommio::LocalExecutorBuilder::new(glommio::Placement::Unbound)
        .name("bench-glommio")
        .spawn(make)
        .map_err(|error| error.to_string())?;
    handle.join().map_err(|error| error.to_string())?
}

trait PipeOk: Sized {
    fn pipe_ok(self) -> Result<Self, String> {
        Ok(self)
    }
}

impl PipeOk for Latency {}
