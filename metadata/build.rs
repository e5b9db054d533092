//! Compiles `proto/DataFormats.proto` with protox (pure Rust, no `protoc`), as `proto/build.rs` does.
//!
//! Every `required` field is relaxed to `optional` before code generation: prost would otherwise
//! default a missing required field silently, and the typed layer in `src/format` must be able to
//! report "field absent" as corruption. On the wire the two labels are identical, and Java writes
//! required fields always, so encoding `Some(value)` gives the same bytes.

use protox::prost_reflect::prost_types::field_descriptor_proto::Label;
use protox::prost_reflect::prost_types::{DescriptorProto, FileDescriptorSet};

const PROTO_FILE: &str = "proto/DataFormats.proto";

fn relax_required(message: &mut DescriptorProto) {
    for field in &mut message.field {
        if field.label() == Label::Required {
            field.set_label(Label::Optional);
        }
    }
    for nested in &mut message.nested_type {
        relax_required(nested);
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed={PROTO_FILE}");
    let mut descriptors: FileDescriptorSet = protox::compile([PROTO_FILE], ["proto"])?;
    for file in &mut descriptors.file {
        for message in &mut file.message_type {
            relax_required(message);
        }
    }
    let mut config = prost_build::Config::new();
    config.bytes(["."]);
    // A BTreeMap gives one encoding for one set of properties (sorted by key).
    config.btree_map(["."]);
    config.compile_fds(descriptors)?;
    Ok(())
}
