//! The BookKeeper metadata layout (spec §5.4-5.7) over any [`Tree`]: which node holds what,
//! and the multi-step operations (cluster init, registration, ledger listing, id generation).
//!
//! Invariant: every node this module writes is encoded by [`crate::format`], and every node it
//! reads is decoded there; bad bytes become `Corrupt { path }`, never a panic.

use std::collections::BTreeSet;
use std::time::Duration;

use futures::future::{select, Either};
use types::LedgerId;

use crate::error::{MetadataError, Result};
use crate::format::ledger_path::{ledger_path, parse_ledger_path, LedgerPathScheme};
use crate::store::{BookieSet, Version};
use crate::tree::{NodeKind, Owner, Registration, Tree};
use crate::{BookieId, BookieServiceInfo, Cookie, InstanceId, Layout, LedgerMetadata};

/// Children of the root that are not ledger directories (spec §5.7).
const SPECIAL_ROOT_CHILDREN: [&str; 7] = [
    "available",
    "cookies",
    "LAYOUT",
    "INSTANCEID",
    "underreplication",
    "idgen",
    "idgen-long",
];

/// Directories `init_cluster` creates under the root, parents first.
const CLUSTER_DIRS: [&str; 4] = ["available", "available/readonly", "cookies", "idgen"];

fn child(tree: &impl Tree, relative: &str) -> String {
    format!("{}/{relative}", tree.root())
}

fn decode<T>(path: &str, decoded: Result<T, crate::FormatError>) -> Result<T> {
    decoded.map_err(|reason| MetadataError::corrupt(path, reason))
}

/// Creates every missing ancestor of `path` (not `path` itself) as an empty persistent node.
pub(crate) async fn create_parents(tree: &impl Tree, path: &str) -> Result<()> {
    let mut end = 0;
    while let Some(next) = path[end + 1..].find('/') {
        end += 1 + next;
        match tree.create(&path[..end], &[], NodeKind::Persistent).await {
            Ok(_) | Err(MetadataError::Exists { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

async fn delete_recursive(tree: &impl Tree, path: &str) -> Result<()> {
    // Depth-first with an explicit stack: ledger trees are 3-5 levels, but a corrupt tree must not
    // overflow the call stack either.
    let mut stack = vec![(path.to_owned(), false)];
    while let Some((node, expanded)) = stack.pop() {
        if expanded {
            match tree.delete(&node, None).await {
                Ok(()) | Err(MetadataError::NotFound { .. }) => {}
                Err(e) => return Err(e),
            }
            continue;
        }
        let children = match tree.children(&node).await {
            Ok(children) => children,
            Err(MetadataError::NotFound { .. }) => continue,
            Err(e) => return Err(e),
        };
        stack.push((node.clone(), true));
        for name in children {
            stack.push((format!("{node}/{name}"), false));
        }
    }
    Ok(())
}

pub(crate) async fn init_cluster(tree: &impl Tree) -> Result<InstanceId> {
    let root = tree.root().to_owned();
    create_parents(tree, &root).await?;
    tree.create(&root, &[], NodeKind::Persistent).await?;
    tree.create(
        &child(tree, "LAYOUT"),
        &match tree.ledger_scheme() {
            LedgerPathScheme::Hierarchical => Layout::hierarchical(),
            LedgerPathScheme::LongHierarchical => Layout::long_hierarchical(),
        }
        .encode(),
        NodeKind::Persistent,
    )
    .await?;
    let instance_id = InstanceId::random();
    tree.create(
        &child(tree, "INSTANCEID"),
        &instance_id.encode(),
        NodeKind::Persistent,
    )
    .await?;
    for dir in CLUSTER_DIRS {
        tree.create(&child(tree, dir), &[], NodeKind::Persistent)
            .await?;
    }
    Ok(instance_id)
}

pub(crate) async fn format_cluster(tree: &impl Tree) -> Result<InstanceId> {
    delete_recursive(tree, tree.root()).await?;
    init_cluster(tree).await
}

pub(crate) async fn instance_id(tree: &impl Tree) -> Result<InstanceId> {
    let path = child(tree, "INSTANCEID");
    let node = tree.get(&path).await?;
    decode(&path, InstanceId::decode(&node.data))
}

fn cookie_path(tree: &impl Tree, bookie: &BookieId) -> String {
    child(tree, &format!("cookies/{bookie}"))
}

pub(crate) async fn read_cookie(tree: &impl Tree, bookie: &BookieId) -> Result<(Cookie, Version)> {
    let path = cookie_path(tree, bookie);
    let node = tree.get(&path).await?;
    Ok((decode(&path, Cookie::decode(&node.data))?, node.version))
}

pub(crate) async fn write_cookie(
    tree: &impl Tree,
    bookie: &BookieId,
    cookie: &Cookie,
    expected: Option<Version>,
) -> Result<Version> {
    let path = cookie_path(tree, bookie);
    match expected {
        None => Ok(tree
            .create(&path, &cookie.encode(), NodeKind::Persistent)
            .await?
            .1),
        Some(version) => tree.set(&path, &cookie.encode(), Some(version)).await,
    }
}

pub(crate) async fn delete_cookie(
    tree: &impl Tree,
    bookie: &BookieId,
    expected: Option<Version>,
) -> Result<()> {
    tree.delete(&cookie_path(tree, bookie), expected).await
}

fn registration_path(tree: &impl Tree, bookie: &BookieId, readonly: bool) -> String {
    if readonly {
        child(tree, &format!("available/readonly/{bookie}"))
    } else {
        child(tree, &format!("available/{bookie}"))
    }
}

/// Deletes `path` if this session owns it.
async fn delete_if_mine(tree: &impl Tree, path: &str) -> Result<()> {
    match tree.get(path).await {
        Ok(node) if node.owner == Owner::ThisSession => {
            match tree.delete(path, Some(node.version)).await {
                Ok(()) | Err(MetadataError::NotFound { .. }) => Ok(()),
                Err(e) => Err(e),
            }
        }
        Ok(_) | Err(MetadataError::NotFound { .. }) => Ok(()),
        Err(e) => Err(e),
    }
}

pub(crate) async fn register_bookie(
    tree: &impl Tree,
    bookie: &BookieId,
    info: &BookieServiceInfo,
    readonly: bool,
) -> Result<()> {
    let data = info.encode();
    register_data(tree, bookie, &data, readonly).await?;
    tree.remember_registration(bookie, Some(Registration { data, readonly }));
    Ok(())
}

/// Creates the registration node; used on first registration and to redo it after a new session.
pub(crate) async fn register_data(
    tree: &impl Tree,
    bookie: &BookieId,
    data: &[u8],
    readonly: bool,
) -> Result<()> {
    let path = registration_path(tree, bookie, readonly);
    let wait_ms = tree.registration_wait_ms();
    let deadline = async_io::Timer::after(Duration::from_millis(wait_ms));
    futures::pin_mut!(deadline);
    loop {
        match tree.create(&path, data, NodeKind::Ephemeral).await {
            Ok(_) => break,
            Err(MetadataError::Exists { .. }) => {}
            Err(e) => return Err(e),
        }
        let (exists, watch) = tree.watch_exists(&path).await?;
        if exists {
            let node = match tree.get(&path).await {
                Ok(node) => node,
                Err(MetadataError::NotFound { .. }) => continue,
                Err(e) => return Err(e),
            };
            if node.owner == Owner::ThisSession {
                tree.set(&path, data, Some(node.version)).await?;
                break;
            }
            // Another session's registration (usually this bookie before a crash): wait for
            // ZooKeeper to expire it, as the Java bookie does, but not forever.
            tracing::info!(%path, "registration of another session present; waiting for it to expire");
            if let Either::Right(_) = select(watch, deadline.as_mut()).await {
                return Err(MetadataError::Timeout {
                    what: format!("{path} of another session to expire"),
                    waited_ms: wait_ms,
                });
            }
        }
    }
    delete_if_mine(tree, &registration_path(tree, bookie, !readonly)).await
}

pub(crate) async fn unregister_bookie(tree: &impl Tree, bookie: &BookieId) -> Result<()> {
    tree.remember_registration(bookie, None);
    delete_if_mine(tree, &registration_path(tree, bookie, false)).await?;
    delete_if_mine(tree, &registration_path(tree, bookie, true)).await
}

fn bookie_names(names: Vec<String>) -> BTreeSet<BookieId> {
    names
        .iter()
        .filter(|name| name.as_str() != "readonly")
        .filter_map(|name| match BookieId::parse(name) {
            Ok(id) => Some(id),
            Err(e) => {
                tracing::warn!(%name, error = %e, "skipping a registration whose name is not a bookie id");
                None
            }
        })
        .collect()
}

pub(crate) async fn list_bookies(tree: &impl Tree) -> Result<BookieSet> {
    Ok(BookieSet {
        writable: bookie_names(tree.children(&child(tree, "available")).await?),
        readonly: bookie_names(tree.children(&child(tree, "available/readonly")).await?),
    })
}

pub(crate) async fn wait_bookies_changed(tree: &impl Tree, known: &BookieSet) -> Result<BookieSet> {
    loop {
        let (writable, writable_watch) = tree.watch_children(&child(tree, "available")).await?;
        let (readonly, readonly_watch) = tree
            .watch_children(&child(tree, "available/readonly"))
            .await?;
        let current = BookieSet {
            writable: bookie_names(writable),
            readonly: bookie_names(readonly),
        };
        if current != *known {
            return Ok(current);
        }
        select(writable_watch, readonly_watch).await;
    }
}

pub(crate) async fn bookie_service_info(
    tree: &impl Tree,
    bookie: &BookieId,
) -> Result<BookieServiceInfo> {
    let path = registration_path(tree, bookie, false);
    let (path, node) = match tree.get(&path).await {
        Ok(node) => (path, node),
        Err(MetadataError::NotFound { .. }) => {
            let path = registration_path(tree, bookie, true);
            let node = tree.get(&path).await?;
            (path, node)
        }
        Err(e) => return Err(e),
    };
    decode(&path, BookieServiceInfo::decode(&node.data))
}

fn ledger_node_path(tree: &impl Tree, ledger: LedgerId) -> Result<String> {
    let relative = ledger_path(tree.ledger_scheme(), ledger)
        .map_err(|e| MetadataError::InvalidArgument(format!("ledger id {ledger}: {e}")))?;
    Ok(child(tree, &relative))
}

pub(crate) fn checked_encode(ledger: LedgerId, metadata: &LedgerMetadata) -> Result<Vec<u8>> {
    metadata
        .validate()
        .map_err(|e| MetadataError::InvalidArgument(format!("metadata of ledger {ledger}: {e}")))?;
    Ok(metadata.encode())
}

pub(crate) async fn create_ledger_metadata(
    tree: &impl Tree,
    ledger: LedgerId,
    metadata: &LedgerMetadata,
) -> Result<Version> {
    let data = checked_encode(ledger, metadata)?;
    let path = ledger_node_path(tree, ledger)?;
    match tree.create(&path, &data, NodeKind::Persistent).await {
        Err(MetadataError::NotFound { .. }) => {
            create_parents(tree, &path).await?;
            Ok(tree.create(&path, &data, NodeKind::Persistent).await?.1)
        }
        other => Ok(other?.1),
    }
}

pub(crate) async fn read_ledger_metadata(
    tree: &impl Tree,
    ledger: LedgerId,
) -> Result<(LedgerMetadata, Version)> {
    let path = ledger_node_path(tree, ledger)?;
    let node = tree.get(&path).await?;
    Ok((
        decode(&path, LedgerMetadata::decode(&node.data))?,
        node.version,
    ))
}

pub(crate) async fn write_ledger_metadata(
    tree: &impl Tree,
    ledger: LedgerId,
    metadata: &LedgerMetadata,
    expected: Version,
) -> Result<Version> {
    let data = checked_encode(ledger, metadata)?;
    tree.set(&ledger_node_path(tree, ledger)?, &data, Some(expected))
        .await
}

pub(crate) async fn delete_ledger(
    tree: &impl Tree,
    ledger: LedgerId,
    expected: Option<Version>,
) -> Result<()> {
    tree.delete(&ledger_node_path(tree, ledger)?, expected)
        .await
}

pub(crate) async fn list_ledgers(tree: &impl Tree) -> Result<Vec<LedgerId>> {
    let mut ids = Vec::new();
    // (path relative to the root, depth). Ledger paths are 3 (short) or 5 (long) components.
    let mut stack: Vec<(String, usize)> = tree
        .children(tree.root())
        .await?
        .into_iter()
        .filter(|name| !SPECIAL_ROOT_CHILDREN.contains(&name.as_str()))
        .filter(|name| {
            (name.len() == 2 || name.len() == 3) && name.bytes().all(|b| b.is_ascii_digit())
        })
        .map(|name| (name, 1))
        .collect();
    while let Some((relative, depth)) = stack.pop() {
        let children = match tree.children(&child(tree, &relative)).await {
            Ok(children) => children,
            // Deleted while we walked.
            Err(MetadataError::NotFound { .. }) => continue,
            Err(e) => return Err(e),
        };
        for name in children {
            let path = format!("{relative}/{name}");
            if name.starts_with('L') {
                match parse_ledger_path(&path) {
                    Ok(id) => ids.push(id),
                    Err(e) => {
                        tracing::warn!(%path, error = %e, "skipping a node that is not a ledger")
                    }
                }
            } else if depth < 4 {
                stack.push((path, depth + 1));
            }
        }
    }
    ids.sort_unstable();
    Ok(ids)
}

/// Bound on the retries of the long generator (each retry follows a concurrent HOB creation).
const LONG_ID_ATTEMPTS_MAX: usize = 16;

/// Generates a ledger id as BookKeeper's hierarchical manager does (spec §5.7): a sequence
/// number under `idgen` while below `i32::MAX`; once that overflows, `idgen-long` exists and ids
/// are `(high << 32) | low`, with `high` the largest `HOB-<10 digits>` child of `idgen-long` and
/// `low` a sequence under it; when `low` overflows, the next `HOB-` directory is created.
pub(crate) async fn generate_ledger_id(tree: &impl Tree) -> Result<LedgerId> {
    let long_dir = child(tree, "idgen-long");
    let long_started = match tree.get(&long_dir).await {
        Ok(_) => true,
        Err(MetadataError::NotFound { .. }) => false,
        Err(e) => return Err(e),
    };
    if !long_started {
        if let Some(id) = sequence_id(tree, &child(tree, "idgen")).await? {
            return Ok(id);
        }
        // 31-bit ids are exhausted: switch the cluster to 63-bit ids.
        create_if_absent(tree, &long_dir).await?;
    }
    for _ in 0..LONG_ID_ATTEMPTS_MAX {
        let highest = tree
            .children(&long_dir)
            .await?
            .iter()
            .filter_map(|name| name.strip_prefix("HOB-")?.parse::<i64>().ok())
            .filter(|high| (0..=i64::from(i32::MAX)).contains(high))
            .max();
        let Some(high) = highest else {
            create_if_absent(tree, &format!("{long_dir}/HOB-{:010}", 1)).await?;
            continue;
        };
        match sequence_id(tree, &format!("{long_dir}/HOB-{high:010}")).await? {
            Some(low) => return Ok((high << 32) | low),
            None => create_if_absent(tree, &format!("{long_dir}/HOB-{:010}", high + 1)).await?,
        }
    }
    Err(MetadataError::Timeout {
        what: format!("a long ledger id under {long_dir} ({LONG_ID_ATTEMPTS_MAX} attempts)"),
        waited_ms: 0,
    })
}

async fn create_if_absent(tree: &impl Tree, path: &str) -> Result<()> {
    create_parents(tree, path).await?;
    match tree.create(path, &[], NodeKind::Persistent).await {
        Ok(_) | Err(MetadataError::Exists { .. }) => Ok(()),
        Err(e) => Err(e),
    }
}

/// A sequence number from an ephemeral-sequential `<dir>/ID-` node (deleted at once), or
/// `None` once the sequence has reached `i32::MAX`.
async fn sequence_id(tree: &impl Tree, dir: &str) -> Result<Option<LedgerId>> {
    let prefix = format!("{dir}/ID-");
    let created = match tree
        .create(&prefix, &[], NodeKind::EphemeralSequential)
        .await
    {
        Ok((created, _)) => created,
        Err(MetadataError::NotFound { .. }) => {
            create_if_absent(tree, dir).await?;
            tree.create(&prefix, &[], NodeKind::EphemeralSequential)
                .await?
                .0
        }
        Err(e) => return Err(e),
    };
    // The znode only carries the sequence number; delete it at once, as BookKeeper does.
    if let Err(e) = tree.delete(&created, None).await {
        tracing::warn!(path = %created, error = %e, "could not delete the id-generation node");
    }
    let digits = created.strip_prefix(&prefix).unwrap_or_default();
    let id: LedgerId = digits.parse().map_err(|_| {
        MetadataError::corrupt(
            &created,
            crate::FormatError::bad_field("sequence", format!("{digits:?} is not a number")),
        )
    })?;
    Ok((id < LedgerId::from(i32::MAX)).then_some(id))
}
