//! A bounds-checked big-endian cursor over one v2 frame payload.
//!
//! Invariant: every read checks the remaining length first and returns `Truncated` instead of
//! panicking; slices of the payload are zero-copy `Bytes` views, so decoding never allocates
//! more than the frame already occupies.

use bytes::Bytes;
use types::{MasterKey, MASTER_KEY_LEN_BYTES};

use super::error::V2DecodeError;

pub(crate) struct Reader {
    payload: Bytes,
    position: usize,
}

impl Reader {
    pub(crate) fn new(payload: Bytes) -> Self {
        Self {
            payload,
            position: 0,
        }
    }

    pub(crate) fn remaining_bytes(&self) -> usize {
        self.payload.len() - self.position
    }

    fn take<const N: usize>(&mut self) -> Result<[u8; N], V2DecodeError> {
        let truncated = V2DecodeError::Truncated {
            bytes_needed: self.position + N,
            bytes_available: self.payload.len(),
        };
        let source = self
            .payload
            .get(self.position..self.position + N)
            .ok_or(truncated)?;
        let mut out = [0u8; N];
        out.copy_from_slice(source);
        self.position += N;
        Ok(out)
    }

    pub(crate) fn i32(&mut self) -> Result<i32, V2DecodeError> {
        self.take::<4>().map(i32::from_be_bytes)
    }

    pub(crate) fn i64(&mut self) -> Result<i64, V2DecodeError> {
        self.take::<8>().map(i64::from_be_bytes)
    }

    pub(crate) fn master_key(&mut self) -> Result<MasterKey, V2DecodeError> {
        self.take::<MASTER_KEY_LEN_BYTES>()
    }

    /// Everything not read yet, as a zero-copy view.
    pub(crate) fn rest(&mut self) -> Bytes {
        let rest = self.payload.slice(self.position..);
        self.position = self.payload.len();
        rest
    }
}
