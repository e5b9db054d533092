//! `wait_bookies_changed` on etcd: level-triggered, like the ZooKeeper store.
//!
//! Each round reads the registrations (one range read, so both modes come from one revision);
//! if they differ from what the caller knows it returns them, otherwise it watches the whole
//! `<scope>/bookies/` range from the next revision and rereads after the first event. Watching
//! from the read revision means no change between the read and the watch is missed. Unbounded:
//! the caller wraps it in a timeout. Unlike ZooKeeper watches, an etcd watch is not tied to the
//! lease, so this never returns `SessionExpired`.

use etcd_client::WatchOptions;

use super::error::etcd_error;
use super::registration::list_bookies_at;
use super::Inner;
use crate::error::Result;
use crate::store::BookieSet;

pub(crate) async fn wait_bookies_changed(inner: &Inner, known: &BookieSet) -> Result<BookieSet> {
    let (begin, end) = inner.keys.bookies_range();
    loop {
        let (current, revision) = list_bookies_at(inner).await?;
        if current != *known {
            return Ok(current);
        }
        let mut client = inner.client.watch_client();
        let options = WatchOptions::new()
            .with_range(end.as_str())
            .with_start_revision(revision + 1);
        let mut stream = client
            .watch(begin.as_str(), Some(options))
            .await
            .map_err(|e| etcd_error(&begin, e))?;
        // The first answer confirms the watch; wait for one carrying events (or a cancellation).
        while let Some(answer) = stream.message().await.map_err(|e| etcd_error(&begin, e))? {
            if answer.canceled() || !answer.events().is_empty() {
                break;
            }
        }
    }
}
