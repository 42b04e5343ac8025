//! V2 binary frames: kind 0 push, 1 reply, 2 broadcast.

use crate::error::{DecodeError, EncodeError};
use crate::events;
use crate::message::{Message, Payload};

const PUSH: u8 = 0;
const REPLY: u8 = 1;
const BROADCAST: u8 = 2;

fn field<'a>(name: &str, value: &'a str) -> Result<&'a [u8], EncodeError> {
    if value.len() > 255 {
        return Err(EncodeError(format!(
            "`{name}` is {} bytes; binary frames allow 255",
            value.len()
        )));
    }
    Ok(value.as_bytes())
}

fn assemble(kind: u8, fields: &[&[u8]], payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(
        1 + fields.len() + fields.iter().map(|f| f.len()).sum::<usize>() + payload.len(),
    );
    out.push(kind);
    out.extend(fields.iter().map(|f| f.len() as u8));
    for f in fields {
        out.extend_from_slice(f);
    }
    out.extend_from_slice(payload);
    out
}

/// Server → client: replies are kind 1, messages without refs kind 2, other pushes kind 0.
pub(crate) fn encode_to_client(msg: &Message) -> Result<Vec<u8>, EncodeError> {
    let join_ref = field("join_ref", msg.join_ref.as_deref().unwrap_or(""))?;
    let topic = field("topic", &msg.topic)?;
    match &msg.payload {
        Payload::BinaryReply { status, response } => {
            let msg_ref = field("ref", msg.msg_ref.as_deref().unwrap_or(""))?;
            let status = field("status", status)?;
            Ok(assemble(
                REPLY,
                &[join_ref, msg_ref, topic, status],
                response,
            ))
        }
        Payload::Binary(bytes) => {
            let event = field("event", &msg.event)?;
            if msg.join_ref.is_none() && msg.msg_ref.is_none() {
                Ok(assemble(BROADCAST, &[topic, event], bytes))
            } else {
                Ok(assemble(PUSH, &[join_ref, topic, event], bytes))
            }
        }
        Payload::Json(_) => Err(EncodeError("a JSON payload goes in a text frame".into())),
    }
}

/// Client → server: kind 0 with a ref.
pub(crate) fn encode_to_server(msg: &Message) -> Result<Vec<u8>, EncodeError> {
    let Payload::Binary(bytes) = &msg.payload else {
        return Err(EncodeError(
            "only binary payloads go in binary frames".into(),
        ));
    };
    let fields = [
        field("join_ref", msg.join_ref.as_deref().unwrap_or(""))?,
        field("ref", msg.msg_ref.as_deref().unwrap_or(""))?,
        field("topic", &msg.topic)?,
        field("event", &msg.event)?,
    ];
    Ok(assemble(PUSH, &fields, bytes))
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn lengths(&mut self, n: usize) -> Result<Vec<usize>, DecodeError> {
        let end = self.pos + n;
        let slice = self
            .bytes
            .get(self.pos..end)
            .ok_or_else(|| DecodeError("binary frame header is truncated".into()))?;
        self.pos = end;
        Ok(slice.iter().map(|b| *b as usize).collect())
    }

    fn text(&mut self, len: usize) -> Result<String, DecodeError> {
        let end = self.pos + len;
        let slice = self
            .bytes
            .get(self.pos..end)
            .ok_or_else(|| DecodeError("binary frame is shorter than its header says".into()))?;
        self.pos = end;
        String::from_utf8(slice.to_vec())
            .map_err(|_| DecodeError("binary frame field is not UTF-8".into()))
    }

    fn rest(&self) -> Vec<u8> {
        self.bytes[self.pos..].to_vec()
    }
}

fn non_empty(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

/// Client → server: only kind 0 is accepted.
pub(crate) fn decode_from_client(bytes: &[u8]) -> Result<Message, DecodeError> {
    let mut r = Reader { bytes, pos: 1 };
    match bytes.first() {
        Some(&PUSH) => {
            let lens = r.lengths(4)?;
            Ok(Message {
                join_ref: non_empty(r.text(lens[0])?),
                msg_ref: non_empty(r.text(lens[1])?),
                topic: r.text(lens[2])?,
                event: r.text(lens[3])?,
                payload: Payload::Binary(r.rest()),
            })
        }
        Some(kind) => Err(DecodeError(format!(
            "clients may only send binary kind 0, not {kind}"
        ))),
        None => Err(DecodeError("empty binary frame".into())),
    }
}

/// Server → client: kinds 0, 1 and 2.
pub(crate) fn decode_from_server(bytes: &[u8]) -> Result<Message, DecodeError> {
    let mut r = Reader { bytes, pos: 1 };
    match bytes.first() {
        Some(&PUSH) => {
            let lens = r.lengths(3)?;
            Ok(Message {
                join_ref: non_empty(r.text(lens[0])?),
                msg_ref: None,
                topic: r.text(lens[1])?,
                event: r.text(lens[2])?,
                payload: Payload::Binary(r.rest()),
            })
        }
        Some(&REPLY) => {
            let lens = r.lengths(4)?;
            let join_ref = non_empty(r.text(lens[0])?);
            let msg_ref = non_empty(r.text(lens[1])?);
            let topic = r.text(lens[2])?;
            let status = r.text(lens[3])?;
            Ok(Message {
                join_ref,
                msg_ref,
                topic,
                event: events::REPLY.into(),
                payload: Payload::BinaryReply {
                    status,
                    response: r.rest(),
                },
            })
        }
        Some(&BROADCAST) => {
            let lens = r.lengths(2)?;
            Ok(Message {
                join_ref: None,
                msg_ref: None,
                topic: r.text(lens[0])?,
                event: r.text(lens[1])?,
                payload: Payload::Binary(r.rest()),
            })
        }
        Some(kind) => Err(DecodeError(format!("unknown binary kind {kind}"))),
        None => Err(DecodeError("empty binary frame".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        s.split_whitespace()
            .map(|b| u8::from_str_radix(b, 16).unwrap())
            .collect()
    }

    #[test]
    fn s42_client_push_decodes() {
        let frame = hex("00 02 03 05 05 31 32 31 32 33 74 6f 70 69 63 65 76 65 6e 74 65 66 67");
        let msg = decode_from_client(&frame).unwrap();
        assert_eq!(msg.join_ref.as_deref(), Some("12"));
        assert_eq!(msg.msg_ref.as_deref(), Some("123"));
        assert_eq!((msg.topic.as_str(), msg.event.as_str()), ("topic", "event"));
        assert_eq!(msg.payload, Payload::Binary(vec![0x65, 0x66, 0x67]));
        assert_eq!(encode_to_server(&msg).unwrap(), frame);
    }

    #[test]
    fn s43_server_frames_match_the_spec() {
        let push = Message::new(
            Some("12".into()),
            None,
            "topic",
            "event",
            Payload::Binary(b"efg".to_vec()),
        );
        assert_eq!(
            encode_to_client(&push).unwrap(),
            hex("00 02 05 05 31 32 74 6f 70 69 63 65 76 65 6e 74 65 66 67")
        );
        let request = Message::new(
            Some("12".into()),
            Some("123".into()),
            "topic",
            "event",
            Payload::empty(),
        );
        let reply = Message::reply(&request, "ok", Payload::Binary(b"efg".to_vec()));
        assert_eq!(
            encode_to_client(&reply).unwrap(),
            hex("01 02 03 05 02 31 32 31 32 33 74 6f 70 69 63 6f 6b 65 66 67")
        );
        let broadcast = Message::broadcast("topic", "event", Payload::Binary(b"efg".to_vec()));
        assert_eq!(
            encode_to_client(&broadcast).unwrap(),
            hex("02 05 05 74 6f 70 69 63 65 76 65 6e 74 65 66 67")
        );
        for frame in [push, reply, broadcast] {
            let bytes = encode_to_client(&frame).unwrap();
            assert_eq!(decode_from_server(&bytes).unwrap(), frame);
        }
    }

    #[test]
    fn s44_fields_over_255_bytes_are_refused() {
        let msg = Message::broadcast("t".repeat(256), "e", Payload::Binary(vec![]));
        assert!(encode_to_client(&msg).is_err());
    }

    #[test]
    fn clients_may_not_send_other_kinds_or_truncated_frames() {
        assert!(decode_from_client(&[1, 0, 0, 0, 0]).is_err());
        assert!(decode_from_client(&[0, 5, 0]).is_err());
        assert!(decode_from_client(&[]).is_err());
    }
}
