//! Ledger master key derivation: `SHA1("ledger" ‖ password)` (§2.2).
//!
//! The master key is sent with every ADD, fencing READ and WRITE_LAC; the bookie compares it with
//! the key it stored for the ledger. The raw password never crosses the wire.

use sha1::{Digest, Sha1};
use types::MasterKey;

/// The master key of a ledger with this raw password.
pub fn master_key(password: &[u8]) -> MasterKey {
    let mut hasher = Sha1::new();
    hasher.update(b"ledger");
    hasher.update(password);
    hasher.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_password_gives_the_spec_key() {
        assert_eq!(
            hex::encode(master_key(b"")),
            "850bf1071c5e3d8c24235676f8816ae0cbe2f14f"
        );
    }

    #[test]
    fn fixture_password_gives_the_fixture_key() {
        assert_eq!(
            hex::encode(master_key(b"fixture-pw")),
            "1b60c396b55951f1cbae767e2964ef7cf1a85ef3"
        );
    }
}
