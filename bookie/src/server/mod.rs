//! The request side of the bookie, free of I/O and of glommio: decoding a frame into an
//! [`op::Op`] ([`protocol`]), running it on the owning shard with spec §5 semantics
//! ([`execute`]), the read-only state ([`state`]), metrics ([`metrics`]) and the HTTP admin
//! handlers ([`admin`]). The runtime (`crate::runtime`) owns sockets, executors and routing.

pub mod admin;
pub mod execute;
pub mod metrics;
pub mod op;
pub mod protocol;
pub mod state;
