//! Compiles `proto/DataFormats.proto` into prost types (see `protobuf-build` for why `required`
//! fields are relaxed to `optional`).

fn main() -> Result<(), Box<dyn std::error::Error>> {
    protobuf_build::compile_relaxed("proto/DataFormats.proto", "proto", |config| {
        config.bytes(["."]);
        // A BTreeMap gives one encoding for one set of properties (sorted by key).
        config.btree_map(["."]);
    })
}
