//! The v2 packet header: one big-endian `i32` = `(version << 24) | (opcode << 16) | flags` (§1.3).
//!
//! Version 0 is the legacy layout: the whole `i32` is the opcode and there are no flags.
//! Invariants:
//! - Decoding accepts any version byte; answering EBADVERSION for versions above 2 is the
//!   server's decision, not the decoder's.
//! - An opcode is either one of the seven BookKeeper opcodes or a typed error naming it.

use super::error::V2DecodeError;

/// The protocol version current clients send.
pub const PROTOCOL_VERSION_CURRENT: u8 = 2;

/// v2 opcodes (`BookieProtocol`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Opcode {
    /// `ADDENTRY` (1).
    AddEntry,
    /// `READENTRY` (2).
    ReadEntry,
    /// `AUTH` (3).
    Auth,
    /// `READ_LAC` (4): defined, but the 4.16/4.17 server does not decode it in v2.
    ReadLac,
    /// `WRITE_LAC` (5): defined, but not decoded in v2.
    WriteLac,
    /// `GET_BOOKIE_INFO` (6): defined, but not decoded in v2.
    GetBookieInfo,
    /// `BATCH_READ_ENTRY` (7, 4.17+).
    BatchReadEntry,
}

impl Opcode {
    /// The opcode byte.
    pub const fn value(self) -> u8 {
        match self {
            Self::AddEntry => 1,
            Self::ReadEntry => 2,
            Self::Auth => 3,
            Self::ReadLac => 4,
            Self::WriteLac => 5,
            Self::GetBookieInfo => 6,
            Self::BatchReadEntry => 7,
        }
    }

    /// The opcode for a byte; unknown bytes are a typed error.
    pub fn from_value(value: u8) -> Result<Self, V2DecodeError> {
        Ok(match value {
            1 => Self::AddEntry,
            2 => Self::ReadEntry,
            3 => Self::Auth,
            4 => Self::ReadLac,
            5 => Self::WriteLac,
            6 => Self::GetBookieInfo,
            7 => Self::BatchReadEntry,
            other => return Err(V2DecodeError::UnknownOpcode(other)),
        })
    }
}

/// The 16 flag bits of a v2 header. Unknown bits are kept so a header re-encodes identically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Flags(u16);

impl Flags {
    /// No flags.
    pub const NONE: Flags = Flags(0);
    /// `FLAG_DO_FENCING`: fence the ledger before reading; the READ then carries the master key.
    pub const DO_FENCING: Flags = Flags(0x0001);
    /// `FLAG_RECOVERY_ADD`: a recovery add, allowed on a fenced ledger.
    pub const RECOVERY_ADD: Flags = Flags(0x0002);
    /// `FLAG_HIGH_PRIORITY`: recovery traffic, accepted even by a read-only bookie.
    pub const HIGH_PRIORITY: Flags = Flags(0x0004);

    /// Flags from raw bits.
    pub const fn from_bits(bits: u16) -> Self {
        Self(bits)
    }

    /// The raw bits.
    pub const fn bits(self) -> u16 {
        self.0
    }

    /// Whether every bit of `other` is set.
    pub const fn contains(self, other: Flags) -> bool {
        self.0 & other.0 == other.0
    }

    /// The union of two flag sets.
    pub const fn union(self, other: Flags) -> Flags {
        Flags(self.0 | other.0)
    }
}

/// A decoded v2 packet header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PacketHeader {
    /// Protocol version byte, echoed in responses.
    pub version: u8,
    /// The operation.
    pub opcode: Opcode,
    /// Flags (always empty for version 0).
    pub flags: Flags,
}

impl PacketHeader {
    /// Splits the header word; version 0 uses the legacy layout (opcode in the low byte, no flags).
    pub fn from_word(word: i32) -> Result<Self, V2DecodeError> {
        let bits = word.to_be_bytes();
        let version = bits[0];
        if version == 0 {
            // BookieProtocol.PacketHeader reads the legacy opcode from the low byte and ignores
            // the middle bytes; we do the same.
            return Ok(Self {
                version,
                opcode: Opcode::from_value(bits[3])?,
                flags: Flags::NONE,
            });
        }
        let flags = Flags(u16::from_be_bytes([bits[2], bits[3]]));
        Ok(Self {
            version,
            opcode: Opcode::from_value(bits[1])?,
            flags,
        })
    }

    /// The header word. For version 0 the flags cannot be expressed and are dropped.
    pub fn to_word(self) -> i32 {
        if self.version == 0 {
            return i32::from(self.opcode.value());
        }
        let [flags_high, flags_low] = self.flags.0.to_be_bytes();
        i32::from_be_bytes([self.version, self.opcode.value(), flags_high, flags_low])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_word_packs_version_opcode_and_flags() {
        let header = PacketHeader {
            version: 2,
            opcode: Opcode::ReadEntry,
            flags: Flags::from_bits(5),
        };
        assert_eq!(header.to_word(), 0x0202_0005);
        assert_eq!(PacketHeader::from_word(0x0202_0005), Ok(header));
    }

    #[test]
    fn legacy_version_zero_header_is_just_the_opcode() {
        let header = PacketHeader::from_word(1).expect("legacy add");
        assert_eq!(
            header,
            PacketHeader {
                version: 0,
                opcode: Opcode::AddEntry,
                flags: Flags::NONE
            }
        );
        assert_eq!(header.to_word(), 1);
    }

    #[test]
    fn unknown_opcode_is_named_in_the_error() {
        assert_eq!(
            PacketHeader::from_word(0x0209_0000),
            Err(V2DecodeError::UnknownOpcode(9))
        );
        assert_eq!(
            PacketHeader::from_word(0x0200_0000),
            Err(V2DecodeError::UnknownOpcode(0))
        );
    }

    #[test]
    fn flag_helpers_compose() {
        let recovery = Flags::RECOVERY_ADD.union(Flags::HIGH_PRIORITY);
        assert_eq!(recovery.bits(), 0x0006);
        assert!(recovery.contains(Flags::HIGH_PRIORITY));
        assert!(!recovery.contains(Flags::DO_FENCING));
    }
}
