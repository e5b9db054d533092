//! Compiling our `.proto` files in build scripts (used by `proto` and `metadata`).
//!
//! [`compile_relaxed`] compiles with protox (pure Rust, no system `protoc`) and generates prost
//! types into `OUT_DIR`, after relaxing every proto2 `required` field to `optional` in the
//! compiled descriptor. prost ignores `required` (a missing field would silently take its
//! default), so keeping presence as `Option<T>` is the only way a typed layer can reject a message
//! whose required field is absent. On the wire the two labels are identical, and Java always
//! writes required fields, so encoding `Some(value)` gives the same bytes.

use protox::prost_reflect::prost_types::field_descriptor_proto::Label;
use protox::prost_reflect::prost_types::{DescriptorProto, FileDescriptorSet};

/// Compiles `proto_file` (with `include_dir` as the import root) into prost types, `required`
/// relaxed to `optional`; `configure` sets crate-specific prost options (e.g. `bytes`).
pub fn compile_relaxed(
    proto_file: &str,
    include_dir: &str,
    configure: impl FnOnce(&mut prost_build::Config),
) -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed={proto_file}");
    let mut descriptors: FileDescriptorSet = protox::compile([proto_file], [include_dir])?;
    for file in &mut descriptors.file {
        for message in &mut file.message_type {
            relax_required(message);
        }
    }
    let mut config = prost_build::Config::new();
    configure(&mut config);
    config.compile_fds(descriptors)?;
    Ok(())
}

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
