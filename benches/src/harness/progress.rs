//! Progress bars for long runs (indicatif on stderr; drawn only when stderr is a terminal,
//! so logs and tests stay clean).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A time-based progress bar for one phase (clones draw the same bar).
#[derive(Clone)]
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A bar for a phase of `total` named `label`; hidden when `quiet`.
    pub fn new(label: &str, total: Duration, quiet: bool) -> Self {
        let bar = ProgressBar::new(total.as_millis() as u64);
        if quiet {
            bar.set_draw_target(ProgressDrawTarget::hidden());
        }
        let style =
            ProgressStyle::with_template("{prefix:>12} [{bar:30}] {elapsed:>4}/{duration:4} {msg}")
                .map(|style| style.progress_chars("=> "))
                .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        bar.set_prefix(label.to_owned());
        Self { bar }
    }

    /// Ticks the bar every 200 ms from `start`, showing the rate of `counter`; abort the
    /// returned task when the phase ends.
    pub fn follow(&self, start: Instant, counter: Arc<AtomicU64>) -> tokio::task::JoinHandle<()> {
        let bar = self.bar.clone();
        tokio::spawn(async move {
            let mut last = (Instant::now(), counter.load(Ordering::Relaxed));
            loop {
                tokio::time::sleep(Duration::from_millis(200)).await;
                let now = Instant::now();
                let count = counter.load(Ordering::Relaxed);
                let rate = (count - last.1) as f64 / now.duration_since(last.0).as_secs_f64();
                last = (now, count);
                bar.set_position(now.duration_since(start).as_millis() as u64);
                bar.set_message(format!("{rate:>9.0} ops/s, {count} done"));
            }
        })
    }

    /// Ticks the bar on a plain thread while a blocking phase runs; the thread ends with `done`.
    pub fn tick_while(&self, start: Instant, done: Arc<AtomicU64>) -> std::thread::JoinHandle<()> {
        let bar = self.bar.clone();
        std::thread::spawn(move || {
            while done.load(Ordering::Relaxed) == 0 {
                bar.set_position(start.elapsed().as_millis() as u64);
                std::thread::sleep(Duration::from_millis(200));
            }
        })
    }

    /// Removes the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
