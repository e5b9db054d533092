//! The entry list of a v2 BATCH_READ response: repeated `{u32 entryLen; u8[entryLen] entry}`.
//!
//! Invariant: a `BatchEntries` value always holds a well-formed list (every length word is
//! followed by that many bytes, nothing left over), checked once when it is built, so iteration
//! never fails. The list stays one zero-copy view of the frame: decoding allocates nothing per
//! entry, however many entries a hostile frame declares.

use bytes::{BufMut, Bytes, BytesMut};

use super::error::V2DecodeError;

/// A validated, zero-copy list of entry bodies.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct BatchEntries {
    encoded: Bytes,
}

impl BatchEntries {
    /// Validates an encoded entry list.
    pub fn from_encoded(encoded: Bytes) -> Result<Self, V2DecodeError> {
        let mut offset_bytes = 0usize;
        while offset_bytes < encoded.len() {
            let entry_bytes = length_at(&encoded, offset_bytes)
                .ok_or(V2DecodeError::BadBatchEntries { offset_bytes })?;
            let end = (offset_bytes + 4)
                .checked_add(entry_bytes)
                .filter(|end| *end <= encoded.len())
                .ok_or(V2DecodeError::BadBatchEntries { offset_bytes })?;
            offset_bytes = end;
        }
        Ok(Self { encoded })
    }

    /// Encodes a list of entry bodies. Bodies longer than `u32::MAX` bytes cannot be framed and
    /// are never produced by a bookie; they are rejected by the frame limit long before this.
    pub fn from_entries<'a>(entries: impl IntoIterator<Item = &'a [u8]>) -> Self {
        let mut out = BytesMut::new();
        for entry in entries {
            out.put_u32(u32::try_from(entry.len()).unwrap_or(u32::MAX));
            out.put_slice(entry);
        }
        Self {
            encoded: out.freeze(),
        }
    }

    /// The encoded list, as it appears on the wire.
    pub fn encoded(&self) -> &Bytes {
        &self.encoded
    }

    /// Iterates over the entry bodies (zero-copy).
    pub fn iter(&self) -> BatchEntriesIter<'_> {
        BatchEntriesIter {
            entries: self,
            offset_bytes: 0,
        }
    }
}

fn length_at(encoded: &[u8], offset_bytes: usize) -> Option<usize> {
    let word = encoded.get(offset_bytes..offset_bytes + 4)?;
    let mut bytes = [0u8; 4];
    bytes.copy_from_slice(word);
    usize::try_from(u32::from_be_bytes(bytes)).ok()
}

/// Iterator over [`BatchEntries`].
#[derive(Debug)]
pub struct BatchEntriesIter<'a> {
    entries: &'a BatchEntries,
    offset_bytes: usize,
}

impl Iterator for BatchEntriesIter<'_> {
    type Item = Bytes;

    fn next(&mut self) -> Option<Bytes> {
        let encoded = &self.entries.encoded;
        let entry_bytes = length_at(encoded, self.offset_bytes)?;
        let start = self.offset_bytes + 4;
        let end = start
            .checked_add(entry_bytes)
            .filter(|end| *end <= encoded.len())?;
        self.offset_bytes = end;
        Some(encoded.slice(start..end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip_in_order() {
        let list = BatchEntries::from_entries([&b"ab"[..], b"", b"xyz"]);
        assert_eq!(&list.encoded()[..], b"\0\0\0\x02ab\0\0\0\0\0\0\0\x03xyz");
        let decoded = BatchEntries::from_encoded(list.encoded().clone()).expect("well formed");
        let bodies: Vec<Bytes> = decoded.iter().collect();
        assert_eq!(
            bodies,
            vec![
                Bytes::from_static(b"ab"),
                Bytes::new(),
                Bytes::from_static(b"xyz")
            ]
        );
    }

    #[test]
    fn a_length_word_past_the_end_is_rejected() {
        let result =
            BatchEntries::from_encoded(Bytes::from_static(b"\0\0\0\x02ab\xff\xff\xff\xffz"));
        assert_eq!(
            result,
            Err(V2DecodeError::BadBatchEntries { offset_bytes: 6 })
        );
        let result = BatchEntries::from_encoded(Bytes::from_static(b"\0\0"));
        assert_eq!(
            result,
            Err(V2DecodeError::BadBatchEntries { offset_bytes: 0 })
        );
    }
}
