//! V2 binary frames: the server's decoder (client → server pushes, kind 0)
//! and the clients' (kinds 0, 1 and 2). Decoding then encoding gives the
//! same bytes (client pushes) or the same message (server frames).

#![no_main]

use libfuzzer_sys::fuzz_target;
use phoenix_protocol::{Frame, Message, Payload, Vsn};

fuzz_target!(|data: &[u8]| {
    let frame = Frame::Binary(data.to_vec());
    assert!(Vsn::V1.decode_from_client(&frame).is_err());
    if let Ok(msg) = Vsn::V2.decode_from_client(&frame) {
        assert!(matches!(msg.payload, Payload::Binary(_)));
        let encoded = Vsn::V2
            .encode_to_server(&msg)
            .expect("a decoded push encodes");
        assert_eq!(encoded, frame);
        // A binary reply to it goes back as a kind 1 frame.
        let reply = Message::reply(&msg, "ok", msg.payload.clone());
        let out = Vsn::V2
            .encode_to_client(&reply)
            .expect("a reply to a decoded push encodes");
        assert_eq!(Vsn::V2.decode_from_server(&out).as_ref(), Ok(&reply));
    }
    if let Ok(msg) = Vsn::V2.decode_from_server(&frame) {
        let encoded = Vsn::V2
            .encode_to_client(&msg)
            .expect("a decoded server frame encodes");
        assert_eq!(Vsn::V2.decode_from_server(&encoded).as_ref(), Ok(&msg));
    }
});
