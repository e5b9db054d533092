//! Read-only mode (spec §5.5): normal ADD and WRITE_LAC get EREADONLY, high-priority (recovery)
//! adds and all reads are still served, /health says "readonly", and the bookie becomes
//! writable again. Two triggers: the admin endpoint (an operator/test control) and the disk
//! usage check with a threshold below the machine's real usage.

#![allow(clippy::unwrap_used)]

mod support;

use bytes::Bytes;
use proto::v2::Flags;
use proto::v3::{Request, RequestBody, WriteLacRequest};
use proto::StatusCode;
use support::{entry, key, scratch_dir, v2_add, v2_read, v3_add, Bookie};

fn assert_read_only_rules(bookie: &Bookie, ledger_id: i64, first_entry: i64) {
    let master_key = key(b"pw");
    let mut v2 = bookie.connect();
    v2.send_v2(&v2_add(
        master_key,
        entry(ledger_id, first_entry, b"x"),
        Flags::NONE,
    ));
    assert_eq!(v2.recv_v2().status(), StatusCode::ReadOnly);
    v2.send_v2(&v2_add(
        master_key,
        entry(ledger_id, first_entry, b"x"),
        Flags::RECOVERY_ADD.union(Flags::HIGH_PRIORITY),
    ));
    assert_eq!(v2.recv_v2().status(), StatusCode::Ok);
    v2.send_v2(&v2_read(ledger_id, first_entry, None));
    assert_eq!(v2.recv_v2().status(), StatusCode::Ok);

    let mut v3 = bookie.connect();
    assert_eq!(
        v3.call_v3(
            1,
            v3_add(
                ledger_id,
                first_entry + 1,
                master_key,
                entry(ledger_id, first_entry + 1, b"y"),
                false
            )
        )
        .status,
        StatusCode::ReadOnly
    );
    let write = WriteLacRequest {
        ledger_id,
        lac: 0,
        master_key: Bytes::copy_from_slice(&master_key),
        body: Bytes::from_static(b"lac"),
    };
    assert_eq!(
        v3.call_v3(2, RequestBody::WriteLac(write)).status,
        StatusCode::ReadOnly
    );
    let mut high_priority = Request::new(
        3,
        v3_add(
            ledger_id,
            first_entry + 1,
            master_key,
            entry(ledger_id, first_entry + 1, b"y"),
            true,
        ),
    );
    high_priority.header.priority = Some(100);
    v3.send_v3(&high_priority);
    assert_eq!(v3.recv_v3().status, StatusCode::Ok);
}

#[test]
fn admin_forced_read_only_refuses_normal_writes_until_cleared() {
    let dir = scratch_dir();
    let bookie = Bookie::start(dir.path(), 2, &[]);
    assert_eq!(bookie.http("GET", "/health", "").1, "ok\n");
    let (status, body) = bookie.http(
        "PUT",
        "/api/v1/bookie/state/readonly",
        "{\"readOnly\":true}",
    );
    assert_eq!((status, body.as_str()), (200, "{\"readOnly\":true}\n"));
    assert_eq!(bookie.http("GET", "/health", "").1, "readonly\n");
    assert!(bookie
        .http("GET", "/api/v1/bookie/info", "")
        .1
        .contains("\"state\":\"readonly\""));
    assert!(bookie
        .http("GET", "/metrics", "")
        .1
        .contains("bookie_SERVER_STATUS 0"));
    assert_read_only_rules(&bookie, 3, 0);

    bookie.http(
        "PUT",
        "/api/v1/bookie/state/readonly",
        "{\"readOnly\":false}",
    );
    assert_eq!(bookie.http("GET", "/health", "").1, "ok\n");
    let mut client = bookie.connect();
    client.send_v2(&v2_add(key(b"pw"), entry(3, 5, b"x"), Flags::NONE));
    assert_eq!(client.recv_v2().status(), StatusCode::Ok);
}

#[test]
fn disk_usage_above_the_threshold_makes_the_bookie_read_only() {
    // The scratch disk is certainly more than 0.01% used, so this threshold is exceeded.
    let dir = scratch_dir();
    let bookie = Bookie::start(
        dir.path(),
        1,
        &[
            "diskUsageThreshold=0.0001",
            "diskUsageLwmThreshold=0.00005",
            "diskCheckInterval=100",
        ],
    );
    assert_eq!(bookie.http("GET", "/health", "").1, "readonly\n");
    assert_read_only_rules(&bookie, 8, 0);
    assert!(bookie
        .log_text()
        .contains("bookie mode changed by the disk usage check"));
}
