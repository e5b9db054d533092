//! Ledger id <-> znode path (spec §5.7), relative to the ledgers root (no leading `/`).
//!
//! Hierarchical (ids below `i32::MAX`): the id as 10 decimal digits split 2/4/4, the last part
//! prefixed `L`: 1234567 -> `00/0123/L4567`.
//! Long hierarchical: 19 digits split 3/4/4/4/4: 1234567 -> `000/0000/0000/0123/L4567`.
//! `HierarchicalLedgerManager` (what `LAYOUT` names) is the hybrid: short below `i32::MAX`, long
//! from `i32::MAX` on. Invariant: `parse(path(id)) == id` for every id >= 0, and `parse` accepts
//! only the exact digit counts, so no two paths name one ledger.

use super::FormatError;
use types::LedgerId;

/// Which path scheme a ledger manager uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LedgerPathScheme {
    /// Hybrid: short below `i32::MAX`, long above (BookKeeper's `HierarchicalLedgerManager`).
    Hierarchical,
    /// Always the long form (`LongHierarchicalLedgerManager`).
    LongHierarchical,
}

/// The path of `ledger_id` relative to the ledgers root.
pub fn ledger_path(scheme: LedgerPathScheme, ledger_id: LedgerId) -> Result<String, FormatError> {
    if ledger_id < 0 {
        return Err(FormatError::bad_field(
            "ledgerId",
            format!("{ledger_id} is negative"),
        ));
    }
    if scheme == LedgerPathScheme::Hierarchical && ledger_id < LedgerId::from(i32::MAX) {
        let digits = format!("{ledger_id:010}");
        return Ok(format!(
            "{}/{}/L{}",
            &digits[0..2],
            &digits[2..6],
            &digits[6..10]
        ));
    }
    let digits = format!("{ledger_id:019}");
    Ok(format!(
        "{}/{}/{}/{}/L{}",
        &digits[0..3],
        &digits[3..7],
        &digits[7..11],
        &digits[11..15],
        &digits[15..19]
    ))
}

/// Parses a path relative to the ledgers root (short or long form) back to the ledger id.
pub fn parse_ledger_path(path: &str) -> Result<LedgerId, FormatError> {
    let parts: Vec<&str> = path.split('/').collect();
    let widths: &[usize] = match parts.len() {
        3 => &[2, 4, 4],
        5 => &[3, 4, 4, 4, 4],
        _ => {
            return Err(FormatError::bad_field(
                "ledger path",
                format!("{path:?} has {} components", parts.len()),
            ))
        }
    };
    let mut digits = String::with_capacity(19);
    for (index, (part, &width)) in parts.iter().zip(widths).enumerate() {
        let part = if index + 1 == parts.len() {
            part.strip_prefix('L').ok_or_else(|| {
                FormatError::bad_field("ledger path", format!("{path:?}: last part lacks 'L'"))
            })?
        } else {
            part
        };
        if part.len() != width || !part.bytes().all(|b| b.is_ascii_digit()) {
            return Err(FormatError::bad_field(
                "ledger path",
                format!("{path:?}: {part:?} is not {width} digits"),
            ));
        }
        digits.push_str(part);
    }
    let id: LedgerId = digits
        .parse()
        .map_err(|_| FormatError::bad_field("ledger path", format!("{path:?} is beyond i64")))?;
    // The short form only holds ids below i32::MAX; a long form holds any id.
    if parts.len() == 3 && id >= LedgerId::from(i32::MAX) {
        return Err(FormatError::bad_field(
            "ledger path",
            format!("{path:?}: short form of an id >= i32::MAX"),
        ));
    }
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_examples() {
        assert_eq!(
            ledger_path(LedgerPathScheme::Hierarchical, 1234567).unwrap(),
            "00/0123/L4567"
        );
        assert_eq!(
            ledger_path(LedgerPathScheme::LongHierarchical, 1234567).unwrap(),
            "000/0000/0000/0123/L4567"
        );
        assert_eq!(
            ledger_path(LedgerPathScheme::Hierarchical, 0).unwrap(),
            "00/0000/L0000"
        );
        assert_eq!(parse_ledger_path("00/0123/L4567").unwrap(), 1234567);
        assert_eq!(
            parse_ledger_path("000/0000/0000/0123/L4567").unwrap(),
            1234567
        );
    }

    #[test]
    fn hybrid_switches_to_the_long_form_at_i32_max() {
        let below = LedgerId::from(i32::MAX) - 1;
        assert_eq!(
            ledger_path(LedgerPathScheme::Hierarchical, below).unwrap(),
            "21/4748/L3646"
        );
        let at = LedgerId::from(i32::MAX);
        assert_eq!(
            ledger_path(LedgerPathScheme::Hierarchical, at).unwrap(),
            "000/0000/0021/4748/L3647"
        );
        assert_eq!(
            ledger_path(LedgerPathScheme::Hierarchical, i64::MAX).unwrap(),
            "922/3372/0368/5477/L5807"
        );
    }

    #[test]
    fn paths_round_trip() {
        for id in [
            0,
            1,
            9999,
            10_000,
            2_147_483_646,
            2_147_483_647,
            1 << 40,
            i64::MAX,
        ] {
            for scheme in [
                LedgerPathScheme::Hierarchical,
                LedgerPathScheme::LongHierarchical,
            ] {
                assert_eq!(
                    parse_ledger_path(&ledger_path(scheme, id).unwrap()).unwrap(),
                    id
                );
            }
        }
    }

    #[test]
    fn malformed_paths_are_rejected() {
        for bad in [
            "",
            "00/0123",
            "00/0123/4567",
            "0/0123/L4567",
            "00/012a/L4567",
            "00/0123/L45678",
            "21/4748/L3647",
            "999/9999/9999/9999/L9999",
            "00/0123/L4567/x/y/z",
        ] {
            assert!(parse_ledger_path(bad).is_err(), "{bad:?}");
        }
        assert!(ledger_path(LedgerPathScheme::Hierarchical, -1).is_err());
    }
}
