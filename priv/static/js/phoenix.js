// phoenix.js: the browser client of phoenix Channels.
// The full client (modern and seed APIs, WebSocket and LongPoll) is built in
// client-js/ and copied here; until then this file only announces itself.
(function (global) {
  "use strict";
  global.Phoenix = global.Phoenix || { version: "0.0.0-placeholder" };
})(typeof window !== "undefined" ? window : globalThis);
