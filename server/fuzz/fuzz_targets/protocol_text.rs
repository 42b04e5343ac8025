//! V1 and V2 JSON text frames: the server's decoder (`decode_from_client`)
//! and the clients' (`decode_from_server`, used by the wasm client and the
//! dashboard). A decoded message re-encodes, and decodes back to itself.

#![no_main]

use libfuzzer_sys::fuzz_target;
use phoenix_protocol::{Frame, Message, Payload, Vsn};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = Vsn::negotiate(Some(text));
    let frame = Frame::Text(text.to_string());
    for vsn in [Vsn::V1, Vsn::V2] {
        if let Ok(msg) = vsn.decode_from_client(&frame) {
            // decode → encode → decode is the identity.
            let encoded = vsn
                .encode_to_server(&msg)
                .expect("a decoded message encodes");
            let again = vsn
                .decode_from_client(&encoded)
                .expect("an encoded message decodes");
            assert_eq!(again, msg);
            // The server's reply to it encodes and the client decodes it.
            let reply = Message::reply(&msg, "ok", msg.payload.clone());
            let out = vsn.encode_to_client(&reply).expect("a JSON reply encodes");
            let seen = vsn.decode_from_server(&out).expect("a reply decodes");
            let expected = match vsn {
                // Servers send no join_ref in V1.
                Vsn::V1 => Message {
                    join_ref: None,
                    ..reply
                },
                Vsn::V2 => reply,
            };
            assert_eq!(seen, expected);
            assert!(matches!(seen.payload, Payload::Json(_)));
        }
        if let Ok(msg) = vsn.decode_from_server(&frame) {
            let encoded = vsn
                .encode_to_server(&msg)
                .expect("a decoded message encodes");
            assert_eq!(vsn.decode_from_server(&encoded).as_ref(), Ok(&msg));
        }
    }
});
