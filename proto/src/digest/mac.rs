//! HMAC-SHA1 digest and its key, `SHA1("mac" ‖ password)` (§2.2).
//!
//! Invariant: the key is always the 20-byte SHA-1 derived from the ledger password, never the
//! raw password.

use hmac::{Hmac, Mac};
use sha1::{Digest, Sha1};

/// Length of a MAC key in bytes.
pub const MAC_KEY_BYTES: usize = 20;

/// The HMAC key of a ledger: `SHA1("mac" ‖ password)`.
#[derive(Clone, PartialEq, Eq)]
pub struct MacKey([u8; MAC_KEY_BYTES]);

impl std::fmt::Debug for MacKey {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key authenticates entries; keep it out of logs.
        formatter.write_str("MacKey(..)")
    }
}

impl MacKey {
    /// Derives the key from the raw ledger password.
    pub fn from_password(password: &[u8]) -> Self {
        let mut hasher = Sha1::new();
        hasher.update(b"mac");
        hasher.update(password);
        Self(hasher.finalize().into())
    }

    /// The derived key bytes.
    pub fn as_bytes(&self) -> &[u8; MAC_KEY_BYTES] {
        &self.0
    }

    /// HMAC-SHA1 of the concatenation of `parts` under this key.
    pub(super) fn digest(&self, parts: &[&[u8]]) -> [u8; 20] {
        // HMAC accepts keys of any length, so construction cannot fail; the fallback keeps the
        // no-panic rule without an unwrap.
        let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(&self.0) else {
            return [0; 20];
        };
        for part in parts {
            mac.update(part);
        }
        mac.finalize().into_bytes().into()
    }
}
