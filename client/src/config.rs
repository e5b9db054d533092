//! [`ClientConfig`]: the client's settings, with BookKeeper's defaults and names in the docs.

use std::time::Duration;

use placement::{PlacementConstraints, RackMapping};

/// Wire protocol the client speaks to bookies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Protocol {
    /// Protocol v3 (protobuf): every operation. BookKeeper's default.
    #[default]
    V3,
    /// Protocol v2 (binary): ADD and READ only (`useV2WireProtocol=true`); READ_LAC, WRITE_LAC and
    /// FORCE_LEDGER are unavailable, LAC reads use READ(-1).
    V2,
}

/// Client settings.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Wire protocol (BookKeeper: `useV2WireProtocol`, default false = v3).
    pub protocol: Protocol,
    /// How long an add waits for one bookie's answer before that bookie is treated as failed
    /// (BookKeeper: `addEntryTimeoutSec`, default 5 s).
    pub add_timeout: Duration,
    /// How long a read waits for one bookie's answer (BookKeeper: `readEntryTimeoutSec`, 5 s).
    pub read_timeout: Duration,
    /// After this long without an answer, a read is also sent to the next replica
    /// (BookKeeper: `speculativeReadTimeout`, default 2000 ms). Zero disables speculation.
    pub speculative_read_timeout: Duration,
    /// TCP connect timeout (BookKeeper: `clientConnectTimeoutMillis`, default 10 s).
    pub connect_timeout: Duration,
    /// Largest frame accepted from a bookie (BookKeeper: `nettyMaxFrameSizeBytes`, 5 MiB).
    pub frame_bytes_max: usize,
    /// Most ensemble changes one writer makes before failing its adds
    /// (BookKeeper: `maxNumEnsembleChanges`, default unbounded).
    pub ensemble_changes_max: u32,
    /// Most reads of one `read` call in flight at once.
    pub reads_in_flight_max: usize,
    /// Placement policy settings (rack/region awareness, enforcement flags).
    pub placement: PlacementConstraints,
    /// Bookie -> network location; bookies it does not name get its default location.
    pub rack_mapping: RackMapping,
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            protocol: Protocol::V3,
            add_timeout: Duration::from_secs(5),
            read_timeout: Duration::from_secs(5),
            speculative_read_timeout: Duration::from_millis(2000),
            connect_timeout: Duration::from_secs(10),
            frame_bytes_max: proto::FRAME_BYTES_MAX_DEFAULT,
            ensemble_changes_max: u32::MAX,
            reads_in_flight_max: 256,
            placement: PlacementConstraints::default(),
            rack_mapping: RackMapping::new(placement::NetworkLocation::default_location()),
        }
    }
}
