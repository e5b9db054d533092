//! The periodic tasks: per core, the checkpoint (every `flush_interval_ms`, or earlier when the
//! write cache is half full), garbage collection
//! and compaction of entry logs, and a copy of the journal's counters into the metrics; on core
//! 0 only, the disk-usage monitor that switches read-only mode.

use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use ledger_store::CompactionRate;

use super::core::CoreContext;
use crate::checkpoint_nudge::background_flush_rate;
use crate::server::state::disk_full_verdict;

/// Spawns the periodic tasks of one core (detached: they live as long as the executor).
pub fn spawn_core_tasks(context: &Rc<CoreContext>) {
    let checkpoint = Rc::clone(context);
    glommio::spawn_local(async move {
        let period = Duration::from_millis(checkpoint.config.flush_interval_ms);
        let mut previous_start = std::time::Instant::now();
        loop {
            // The period, or earlier when the write cache fills (`checkpoint_nudge`).
            futures_lite::future::or(
                glommio::timer::sleep(period),
                checkpoint.shard.checkpoint_wanted(),
            )
            .await;
            let start = std::time::Instant::now();
            let (active_bytes, _) = checkpoint.shard.store().write_cache_bytes();
            let rate = background_flush_rate(active_bytes, start - previous_start);
            previous_start = start;
            if let Err(error) = checkpoint
                .shard
                .checkpoint_paced(rate, &checkpoint.timer)
                .await
            {
                tracing::error!(core = checkpoint.core, %error, "checkpoint failed");
            }
        }
    })
    .detach();
    let stats = Rc::clone(context);
    glommio::spawn_local(async move {
        loop {
            glommio::timer::sleep(Duration::from_secs(1)).await;
            let journal = stats.shard.journal().stats();
            stats
                .metrics
                .journal_syncs
                .store(journal.syncs, Ordering::Relaxed);
            stats
                .metrics
                .journal_batches
                .store(journal.batches, Ordering::Relaxed);
            stats
                .metrics
                .journal_bytes_written
                .store(journal.bytes_written, Ordering::Relaxed);
        }
    })
    .detach();
    let gc = Rc::clone(context);
    glommio::spawn_local(async move { garbage_collect(gc).await }).detach();
}

async fn garbage_collect(context: Rc<CoreContext>) {
    let config = Rc::new(context.config.as_ref().clone());
    let period = Duration::from_millis(config.gc_wait_time_ms);
    let rate = CompactionRate::EntriesPerSecond(config.compaction_rate_entries_per_s);
    let mut since_minor = Duration::ZERO;
    let mut since_major = Duration::ZERO;
    loop {
        glommio::timer::sleep(period).await;
        since_minor += period;
        since_major += period;
        match context.shard.store().gc().await {
            Ok(report) => tracing::debug!(core = context.core, ?report, "garbage collection"),
            Err(error) => tracing::error!(core = context.core, %error, "garbage collection failed"),
        }
        let major_due = config.major_compaction_threshold > 0.0
            && since_major.as_secs() >= config.major_compaction_interval_s;
        let minor_due = config.minor_compaction_threshold > 0.0
            && since_minor.as_secs() >= config.minor_compaction_interval_s;
        let threshold = if major_due {
            since_major = Duration::ZERO;
            since_minor = Duration::ZERO;
            config.major_compaction_threshold
        } else if minor_due {
            since_minor = Duration::ZERO;
            config.minor_compaction_threshold
        } else {
            continue;
        };
        match context
            .shard
            .store()
            .compact(threshold, rate, &context.timer)
            .await
        {
            Ok(report) => tracing::info!(core = context.core, threshold, ?report, "compaction"),
            Err(error) => tracing::error!(core = context.core, %error, "compaction failed"),
        }
    }
}

/// Checks the ledger directories' usage now and then every `disk_check_interval_ms`.
pub fn spawn_disk_monitor(context: &Rc<CoreContext>) {
    check_disks(context);
    let monitor = Rc::clone(context);
    glommio::spawn_local(async move {
        let period = Duration::from_millis(monitor.config.disk_check_interval_ms);
        loop {
            glommio::timer::sleep(period).await;
            check_disks(&monitor);
        }
    })
    .detach();
}

fn check_disks(context: &CoreContext) {
    let usages: Vec<f64> = context
        .ledger_roots
        .iter()
        .filter_map(|dir| disk::DurableDir::space_bytes(dir).ok())
        .filter(|(_, total)| *total > 0)
        .map(|(free, total)| 1.0 - free as f64 / total as f64)
        .collect();
    let config = &context.config;
    let was_full = context.state.is_disk_full();
    let full = disk_full_verdict(
        &usages,
        was_full,
        config.disk_usage_threshold,
        config.disk_usage_lwm_threshold,
    );
    if full && !config.read_only_mode_enabled {
        tracing::error!(
            ?usages,
            threshold = config.disk_usage_threshold,
            "ledger disks full and read_only_mode_enabled is false: exiting"
        );
        std::process::exit(3);
    }
    if context.state.set_disk_full(full) {
        tracing::warn!(
            ?usages,
            mode = context.state.mode_name(),
            "bookie mode changed by the disk usage check"
        );
    }
}
