//! The Phoenix Channels wire format: message types and the V1/V2 serializers,
//! written once and shared by the server, the wasm client and the dashboard
//! (decision 2 of the design). It is filled by the Channels work; the HTTP core
//! does not use it yet.
