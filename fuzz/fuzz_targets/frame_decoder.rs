//! Fuzzes `FrameDecoder`: the first two input bytes pick `frame_bytes_max`, the rest is a TCP
//! stream fed in chunks of varying size. Oracle: no panic, every frame is within the limit, and
//! re-encoding the frames reproduces exactly the bytes the decoder consumed.
#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use proto::frame::{encode_frame, FrameDecoder};

fuzz_target!(|data: &[u8]| {
    let Some((limit, stream)) = data.split_first_chunk::<2>() else { return };
    let frame_bytes_max = usize::from(u16::from_be_bytes(*limit));
    let decoder = FrameDecoder::new(frame_bytes_max);
    let chunk_bytes = usize::from(limit[1] % 7) + 1;
    let mut buffer = BytesMut::new();
    let mut reencoded = BytesMut::new();
    let mut fed_bytes = 0;
    'feed: for chunk in stream.chunks(chunk_bytes) {
        buffer.extend_from_slice(chunk);
        fed_bytes += chunk.len();
        loop {
            match decoder.decode(&mut buffer) {
                Ok(Some(frame)) => {
                    assert!(frame.len() <= frame_bytes_max);
                    encode_frame(&frame, frame_bytes_max, &mut reencoded).expect("a decoded frame fits");
                }
                Ok(None) => break,
                Err(_) => break 'feed,
            }
        }
    }
    let consumed_bytes = fed_bytes - buffer.len();
    assert_eq!(&reencoded[..], &stream[..consumed_bytes]);
});
