#![allow(clippy::unwrap_used)]
//! Mapping-file parsing on arbitrary and generated input.
//!
//! Goal: the parser never panics, and a file written from a mapping parses back to it.
//! Method: feed arbitrary strings (including control characters and multi-byte text), then
//! generate (bookie, location) tables, render them with comments and odd spacing, and compare.

use placement::{RackMapping, Topology};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    #[test]
    fn parser_never_panics_on_arbitrary_text(text in ".{0,300}") {
        let _ = RackMapping::parse(&text);
    }

    #[test]
    fn rendered_mapping_parses_back(
        entries in proptest::collection::btree_map("[a-z0-9.]{1,12}:[0-9]{1,5}", "(/[a-z0-9_-]{1,8}){1,3}", 0..20),
        padding in proptest::collection::vec(" {0,3}\t?", 20),
    ) {
        let mut text = String::from("# generated\n\n");
        for ((bookie, location), pad) in entries.iter().zip(padding.iter().cycle()) {
            text.push_str(&format!("{pad}{bookie}{pad} {location}{pad}# note\n"));
        }
        let mapping = RackMapping::parse(&text).unwrap();
        prop_assert_eq!(mapping.len(), entries.len());
        let topology = Topology::new(mapping, entries.keys().cloned());
        for (bookie, location) in &entries {
            prop_assert_eq!(topology.location_of(bookie).rack(), location.as_str());
        }
    }
}

#[test]
fn error_line_numbers_count_comment_and_blank_lines() {
    let text = "# header\n\n10.0.0.1:3181 /eu/r1\n   # indented comment\n10.0.0.2:3181 /eu//r2\n";
    let error = RackMapping::parse(text).unwrap_err();
    assert_eq!(
        error.to_string(),
        "line 5: network location \"/eu//r2\" has an empty component"
    );
}
