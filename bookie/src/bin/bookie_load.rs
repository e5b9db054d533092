//! `bookie-load`: a small load generator against one bookie over protocol v2.
//!
//! It pipelines ADDs of `--entry-bytes` bytes round-robin over `--ledgers` ledgers on one
//! connection, at `--rate` adds per second (0 = as fast as `--in-flight` allows), for
//! `--duration-s` seconds, and prints adds/s and the p50/p99/p99.9/max acknowledgement latency.
//! Usage: `bookie-load --port 3181 --rate 20000 --duration-s 10`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use clap::Parser;
use proto::v2::{AddRequest, Flags, Request, Response};
use proto::{make_entry_body, DigestType, EntryHeader, FrameDecoder, MacKey, StatusCode};

/// When the last acknowledgement arrived, in ns since the start.
static LAST_ACK_NS: AtomicU64 = AtomicU64::new(0);

#[derive(Debug, Parser)]
#[command(
    name = "bookie-load",
    about = "Measures adds/s and add latency against one bookie"
)]
struct Args {
    /// Bookie address.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Bookie port.
    #[arg(long, default_value_t = 3181)]
    port: u16,
    /// Ledgers written round-robin (ids from --first-ledger).
    #[arg(long, default_value_t = 8)]
    ledgers: i64,
    /// First ledger id.
    #[arg(long, default_value_t = 1_000_000)]
    first_ledger: i64,
    /// Payload bytes per entry.
    #[arg(long, default_value_t = 1024)]
    entry_bytes: usize,
    /// Adds per second; 0 = peak (limited by --in-flight).
    #[arg(long, default_value_t = 0)]
    rate: u64,
    /// Adds in flight at most.
    #[arg(long, default_value_t = 1000)]
    in_flight: u64,
    /// Seconds to run.
    #[arg(long, default_value_t = 10)]
    duration_s: u64,
}

fn main() -> std::process::ExitCode {
    match run(Args::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("bookie-load: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> Result<(), String> {
    let stream = TcpStream::connect((args.host.as_str(), args.port))
        .map_err(|error| format!("connect: {error}"))?;
    stream
        .set_nodelay(true)
        .map_err(|error| error.to_string())?;
    let reader = stream.try_clone().map_err(|error| error.to_string())?;
    let started = Instant::now();
    // Send time (ns since start) of add number n, where n = entry_id * ledgers + ledger index.
    let total_max = (args.rate.max(200_000) * args.duration_s + 1) as usize;
    let sent_ns: Arc<Vec<AtomicU64>> =
        Arc::new((0..total_max).map(|_| AtomicU64::new(0)).collect());
    let acked = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let receiver = {
        let (sent_ns, acked, failed, stop) = (
            Arc::clone(&sent_ns),
            Arc::clone(&acked),
            Arc::clone(&failed),
            Arc::clone(&stop),
        );
        let (ledgers, first_ledger) = (args.ledgers, args.first_ledger);
        std::thread::spawn(move || {
            receive(
                reader,
                started,
                &sent_ns,
                &acked,
                &failed,
                &stop,
                ledgers,
                first_ledger,
            )
        })
    };
    let sent = send(&args, stream, started, &sent_ns, &acked)?;
    stop.store(true, Ordering::Relaxed);
    let histogram = receiver
        .join()
        .map_err(|_| "receiver thread panicked".to_owned())??;
    // Throughput is measured up to the last acknowledgement, not the receiver's idle wait.
    let seconds = (LAST_ACK_NS.load(Ordering::Relaxed) as f64 / 1e9).max(1e-9);
    let ok = acked.load(Ordering::Relaxed);
    println!(
        "sent {sent} adds, {ok} acknowledged, {} failed, in {seconds:.2} s: {:.0} adds/s; latency us p50 {} p99 {} p99.9 {} max {}",
        failed.load(Ordering::Relaxed),
        ok as f64 / seconds,
        histogram.value_at_quantile(0.5),
        histogram.value_at_quantile(0.99),
        histogram.value_at_quantile(0.999),
        histogram.max()
    );
    Ok(())
}

fn send(
    args: &Args,
    mut stream: TcpStream,
    started: Instant,
    sent_ns: &[AtomicU64],
    acked: &AtomicU64,
) -> Result<u64, String> {
    let key = proto::master_key(b"load");
    let payload = vec![0x5au8; args.entry_bytes];
    let mac = MacKey::from_password(b"load");
    let deadline = Duration::from_secs(args.duration_s);
    let mut out = BytesMut::new();
    let mut number = 0u64;
    while started.elapsed() < deadline && (number as usize) < sent_ns.len() {
        if args.rate > 0 {
            let due = Duration::from_secs_f64(number as f64 / args.rate as f64);
            if let Some(wait) = due.checked_sub(started.elapsed()) {
                std::thread::sleep(wait.min(Duration::from_millis(1)));
                continue;
            }
        }
        if number.saturating_sub(acked.load(Ordering::Relaxed)) >= args.in_flight {
            std::thread::yield_now();
            continue;
        }
        let ledger_index = number as i64 % args.ledgers;
        let entry_id = number as i64 / args.ledgers;
        let header = EntryHeader {
            ledger_id: args.first_ledger + ledger_index,
            entry_id,
            last_add_confirmed: entry_id - 1,
            length: 0,
        };
        let body = Bytes::from(make_entry_body(DigestType::Crc32c, &mac, &header, &payload));
        let request = Request::Add(
            AddRequest::new(2, Flags::NONE, key, body).map_err(|error| error.to_string())?,
        );
        request
            .encode_frame(proto::FRAME_BYTES_MAX_DEFAULT, &mut out)
            .map_err(|error| error.to_string())?;
        if let Some(slot) = sent_ns.get(number as usize) {
            slot.store(started.elapsed().as_nanos() as u64, Ordering::Relaxed);
        }
        stream
            .write_all(&out)
            .map_err(|error| format!("write: {error}"))?;
        out.clear();
        number += 1;
    }
    Ok(number)
}

#[allow(clippy::too_many_arguments)]
fn receive(
    mut stream: TcpStream,
    started: Instant,
    sent_ns: &[AtomicU64],
    acked: &AtomicU64,
    failed: &AtomicU64,
    stop: &AtomicBool,
    ledgers: i64,
    first_ledger: i64,
) -> Result<hdrhistogram::Histogram<u64>, String> {
    let mut histogram = hdrhistogram::Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)
        .map_err(|error| error.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_millis(200)))
        .map_err(|error| error.to_string())?;
    let decoder = FrameDecoder::default();
    let mut buffer = BytesMut::new();
    let mut chunk = vec![0u8; 1 << 16];
    let mut idle_after_stop = 0;
    loop {
        while let Some(frame) = decoder
            .decode(&mut buffer)
            .map_err(|error| error.to_string())?
        {
            let Ok(Response::Add(add)) = Response::decode(frame) else {
                return Err("unexpected response".to_owned());
            };
            if add.status != StatusCode::Ok {
                failed.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            let number = add.entry_id * ledgers + (add.ledger_id - first_ledger);
            if let Some(slot) = usize::try_from(number)
                .ok()
                .and_then(|number| sent_ns.get(number))
            {
                let latency_us = (started.elapsed().as_nanos() as u64)
                    .saturating_sub(slot.load(Ordering::Relaxed))
                    / 1000;
                let _ = histogram.record(latency_us.max(1));
            }
            acked.fetch_add(1, Ordering::Relaxed);
            LAST_ACK_NS.store(started.elapsed().as_nanos() as u64, Ordering::Relaxed);
        }
        match stream.read(&mut chunk) {
            Ok(0) => return Ok(histogram),
            Ok(read) => buffer.extend_from_slice(chunk.get(..read).unwrap_or_default()),
            Err(error)
                if matches!(
                    error.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                if stop.load(Ordering::Relaxed) {
                    idle_after_stop += 1;
                    if idle_after_stop > 10 {
                        return Ok(histogram);
                    }
                }
            }
            Err(error) => return Err(format!("read: {error}")),
        }
    }
}
