//! Compiles `proto/BookkeeperProtocol.proto` with protox (pure Rust, no system `protoc`) and
//! generates prost types into `OUT_DIR`.
//!
//! Every `required` field is relaxed to `optional` in the compiled descriptor before code
//! generation. prost ignores `required` (it would silently default a missing field), so keeping
//! presence as `Option<T>` is the only way the typed layer in `src/v3` can reject a message whose
//! required field is absent. On the wire the two labels are identical.

use protox::prost_reflect::prost_types::field_descriptor_proto::Label;
use protox::prost_reflect::prost_types::{DescriptorProto, FileDescriptorSet};

const PROTO_FILE: &str = "proto/BookkeeperProtocol.proto";

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
    // Byte fields become `bytes::Bytes`, so decoding a frame held in `Bytes` slices entry bodies
    // without copying them.
    config.bytes(["."]);
    config.compile_fds(descriptors)?;
    Ok(())
}
