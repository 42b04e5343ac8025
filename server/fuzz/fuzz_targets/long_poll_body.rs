//! LongPoll POST bodies: how a body becomes frames (ndjson lines of JSON or
//! base64, or the whole body as one frame), and each frame's V2 and V1
//! decoding as the socket then does.

#![no_main]

use libfuzzer_sys::fuzz_target;
use phoenix::__fuzz::long_poll_frames;
use phoenix_protocol::{Frame, Vsn};

fuzz_target!(|data: &[u8]| {
    // The route reads the body as UTF-8, replacing what is not.
    let body = String::from_utf8_lossy(data).into_owned();
    let frames = long_poll_frames(body.clone(), true);
    assert!(frames.len() <= 100, "at most 100 lines are processed");
    for frame in &frames {
        let _ = Vsn::V2.decode_from_client(frame);
        if let Frame::Text(text) = frame {
            assert!(text.starts_with('['));
        }
    }
    let whole = long_poll_frames(body.clone(), false);
    assert_eq!(whole, [Frame::Text(body)]);
    for vsn in [Vsn::V1, Vsn::V2] {
        let _ = vsn.decode_from_client(&whole[0]);
    }
});
