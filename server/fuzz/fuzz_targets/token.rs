//! `Phoenix.Token`-style signed tokens: arbitrary strings as clients send
//! them (nearly all stop at the signature), correctly signed tokens around
//! arbitrary payload bytes (reaching the base64, JSON and typed decoding
//! behind the signature), and sign → verify round trips.

#![no_main]

use std::time::{Duration, SystemTime};

use libfuzzer_sys::fuzz_target;
use phoenix::token::{Token, TokenError};
use phoenix_fuzz::forge::{self, TOKEN_SALT};
use phoenix_fuzz::SECRET;
use serde_json::Value;

const DAY: Duration = Duration::from_secs(86_400);

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = Token::verify::<Value>(SECRET, TOKEN_SALT, &text, DAY);
    let _ = Token::verify_opt::<u64>(SECRET, TOKEN_SALT, Some(&text), Duration::MAX);

    let forged = forge::token(data);
    let now = SystemTime::now();
    for max_age in [Duration::ZERO, DAY, Duration::MAX] {
        let value = Token::verify_at::<Value>(SECRET, TOKEN_SALT, &forged, max_age, now);
        let _ = Token::verify_at::<(u64, String)>(SECRET, TOKEN_SALT, &forged, max_age, now);
        // Whatever the payload, another salt refuses it.
        assert_eq!(
            Token::verify_at::<Value>(SECRET, "other salt", &forged, max_age, now),
            Err(TokenError::Invalid)
        );
        if let Ok(value) = value {
            assert!(serde_json::from_slice::<Value>(data).is_ok());
            let _ = value;
        }
    }

    // Signing any JSON value and verifying it gives it back.
    if let Ok(value) = serde_json::from_slice::<Value>(data) {
        let token = Token::sign(SECRET, TOKEN_SALT, &value);
        assert_eq!(
            Token::verify::<Value>(SECRET, TOKEN_SALT, &token, DAY).as_ref(),
            Ok(&value)
        );
    }
});
