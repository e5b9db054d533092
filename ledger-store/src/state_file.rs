//! Persistence of the ledger state file `ledgers.state`: rewritten whole at a flush that changed
//! any ledger state, via temp file + sync + rename + directory sync.
//!
//! Invariant: `ledgers.state` always names a complete, synced file (or does not exist yet); a
//! crash leaves either the old or the new version, plus maybe a stray temp file that open removes.

use std::collections::BTreeMap;

use disk::{DiskError, DurableDir, DurableFile};
use types::LedgerId;

use crate::be::pad_to;
use crate::error::StoreError;
use crate::ledger_state::{decode, LedgerState};

/// Name of the ledger state file.
pub const STATE_FILE_NAME: &str = "ledgers.state";
/// Name of the state file while it is written.
pub const STATE_TEMP_NAME: &str = "ledgers.state.tmp";

/// Replaces the state file with `bytes` (an encoded state), durably.
pub(crate) async fn write<D: DurableDir>(dir: &D, bytes: &[u8]) -> Result<(), StoreError> {
    match dir.remove_file(STATE_TEMP_NAME).await {
        Ok(()) | Err(DiskError::NotFound { .. }) => {}
        Err(error) => return Err(error.into()),
    }
    let file = dir.create_file(STATE_TEMP_NAME).await?;
    let mut padded = bytes.to_vec();
    pad_to(&mut padded, file.alignment_bytes());
    file.write_at(0, &padded).await?;
    file.sync().await?;
    dir.rename_file(STATE_TEMP_NAME, STATE_FILE_NAME).await?;
    dir.sync_dir().await?;
    Ok(())
}

/// Loads the state file; empty if it does not exist.
pub(crate) async fn load<D: DurableDir>(
    dir: &D,
) -> Result<BTreeMap<LedgerId, LedgerState>, StoreError> {
    let file = match dir.open_file(STATE_FILE_NAME).await {
        Ok(file) => file,
        Err(DiskError::NotFound { .. }) => return Ok(BTreeMap::new()),
        Err(error) => return Err(error.into()),
    };
    let size_bytes = file.size_bytes().await?;
    let bytes = file
        .read_at(0, usize::try_from(size_bytes).unwrap_or(usize::MAX))
        .await?;
    decode(&bytes).map_err(|reason| StoreError::corrupt(STATE_FILE_NAME, 0, reason))
}
