//! Compiles `proto/BookkeeperProtocol.proto` into prost types (see `protobuf-build` for why
//! `required` fields are relaxed to `optional`).

fn main() -> Result<(), Box<dyn std::error::Error>> {
    protobuf_build::compile_relaxed("proto/BookkeeperProtocol.proto", "proto", |config| {
        // Byte fields become `bytes::Bytes`, so decoding a frame held in `Bytes` slices entry
        // bodies without copying them.
        config.bytes(["."]);
    })
}
