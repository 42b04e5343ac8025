// A fake WebSocket for the client's unit tests: records what the client
// sends and lets a test play the server.
export class FakeWebSocket {
  static instances = [];

  static reset() {
    FakeWebSocket.instances = [];
  }

  static last() {
    return FakeWebSocket.instances[FakeWebSocket.instances.length - 1];
  }

  constructor(url, protocols) {
    this.url = url;
    this.protocols = protocols;
    this.readyState = 0;
    this.sent = [];
    this.closed = null;
    this.bufferedAmount = 0;
    FakeWebSocket.instances.push(this);
  }

  send(data) {
    this.sent.push(data);
  }

  close(code, reason) {
    if (this.readyState === 3) return;
    this.closed = { code, reason };
    this.readyState = 3;
    this.onclose && this.onclose({ code: code ?? 1005, reason });
  }

  // ---- the server's side ----

  serverOpen() {
    this.readyState = 1;
    this.onopen && this.onopen();
  }

  serverClose(code) {
    this.readyState = 3;
    this.onclose && this.onclose({ code });
  }

  serverSend(frame) {
    this.onmessage && this.onmessage({ data: JSON.stringify(frame) });
  }

  /** Every frame the client sent, decoded. */
  frames() {
    return this.sent.map((data) => JSON.parse(data));
  }

  /** Frames with the given event. */
  framesOf(event) {
    return this.frames().filter((frame) => frame[3] === event);
  }

  /** Replies `ok` to the last frame with `event` on `topic`. */
  reply(event, topic, status = "ok", response = {}) {
    const frame = this.framesOf(event).filter((f) => f[2] === topic).at(-1);
    this.serverSend([frame[0], frame[1], topic, "phx_reply", { status, response }]);
    return frame;
  }
}

/** An in-memory sessionStorage. */
export class MemoryStorage {
  constructor() {
    this.items = new Map();
  }
  getItem(key) {
    return this.items.has(key) ? this.items.get(key) : null;
  }
  setItem(key, value) {
    this.items.set(key, String(value));
  }
}
