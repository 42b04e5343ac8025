// The client checklist of the protocol spec (C1–C17), one test per item,
// with a fake WebSocket and Node's mock timers.
import { afterEach, beforeEach, describe, mock, test } from "node:test";
import assert from "node:assert/strict";

import { Socket, LongPoll } from "../phoenix.mjs";
import { FakeWebSocket, MemoryStorage } from "./support.mjs";

function openSocket(opts = {}) {
  const socket = new Socket("ws://example.com/socket", { transport: FakeWebSocket, ...opts });
  socket.connect();
  const ws = FakeWebSocket.last();
  ws.serverOpen();
  return { socket, ws };
}

function joined(socket, ws, topic = "room:a") {
  const channel = socket.channel(topic, {});
  channel.join();
  ws.reply("phx_join", topic);
  assert.equal(channel.state, "joined");
  return channel;
}

beforeEach(() => {
  FakeWebSocket.reset();
  mock.timers.enable({ apis: ["setTimeout", "setInterval", "Date"] });
});

afterEach(() => {
  mock.timers.reset();
  delete globalThis.location;
});

describe("client checklist", () => {
  test("C1 endpoint URL from location, params and vsn", () => {
    globalThis.location = { protocol: "https:", host: "example.com" };
    const socket = new Socket("/socket", { params: { token: "abc" }, transport: FakeWebSocket });
    assert.equal(socket.endPointURL(), "wss://example.com/socket/websocket?token=abc&vsn=2.0.0");
    const nested = new Socket("//other.com/socket", { params: () => ({ user: { id: 1 } }), transport: FakeWebSocket });
    assert.equal(nested.endPointURL(), "wss://other.com/socket/websocket?user%5Bid%5D=1&vsn=2.0.0");
  });

  test("C2 the join's join_ref is its ref, later pushes carry it", () => {
    const { socket, ws } = openSocket();
    const channel = joined(socket, ws);
    const [join] = ws.framesOf("phx_join");
    assert.equal(join[0], join[1]);
    channel.push("hello", { a: 1 });
    const [push] = ws.framesOf("hello");
    assert.equal(push[0], join[0]);
    assert.notEqual(push[1], join[1]);
  });

  test("C3 heartbeat 30 s after open, then 30 s after its reply", () => {
    const { ws } = openSocket();
    mock.timers.tick(29999);
    assert.equal(ws.framesOf("heartbeat").length, 0);
    mock.timers.tick(1);
    const [first] = ws.framesOf("heartbeat");
    assert.deepEqual(first.slice(0, 3), [null, first[1], "phoenix"]);
    mock.timers.tick(5000);
    ws.serverSend([null, first[1], "phoenix", "phx_reply", { status: "ok", response: {} }]);
    mock.timers.tick(29999);
    assert.equal(ws.framesOf("heartbeat").length, 1);
    mock.timers.tick(1);
    assert.equal(ws.framesOf("heartbeat").length, 2);
  });

  test("C4 a heartbeat without reply closes with 1000, errors channels and reconnects after 10 ms", () => {
    const { socket, ws } = openSocket();
    const channel = joined(socket, ws);
    let errored = false;
    channel.onError(() => (errored = true));
    mock.timers.tick(30000);
    mock.timers.tick(30000);
    assert.deepEqual(ws.closed, { code: 1000, reason: "heartbeat timeout" });
    assert.equal(errored, true);
    assert.equal(channel.state, "errored");
    const count = FakeWebSocket.instances.length;
    mock.timers.tick(10);
    assert.equal(FakeWebSocket.instances.length, count + 1, "reconnected");
  });

  test("C5 no reconnect after 1000; 10, 50, 100 ms backoff after 1006", () => {
    const first = openSocket();
    first.ws.serverClose(1000);
    mock.timers.tick(10000);
    assert.equal(FakeWebSocket.instances.length, 1);

    FakeWebSocket.reset();
    openSocket();
    FakeWebSocket.last().serverClose(1006);
    for (const delay of [10, 50, 100]) {
      const count = FakeWebSocket.instances.length;
      mock.timers.tick(delay - 1);
      assert.equal(FakeWebSocket.instances.length, count, `not before ${delay} ms`);
      mock.timers.tick(1);
      assert.equal(FakeWebSocket.instances.length, count + 1, `after ${delay} ms`);
      FakeWebSocket.last().serverClose(1006);
    }
  });

  test("C6 join timeout: leave with the same join_ref, rejoin after 1 s, then 2 s, 5 s", () => {
    const { socket, ws } = openSocket({ heartbeatIntervalMs: 1e9 });
    const channel = socket.channel("room:slow", {});
    channel.join();
    const [join] = ws.framesOf("phx_join");
    mock.timers.tick(10000);
    const [leave] = ws.framesOf("phx_leave");
    assert.equal(leave[0], join[0], "the leave carries the timed-out join_ref");
    assert.equal(channel.state, "errored");
    let backoff = [1000, 2000, 5000];
    for (const delay of backoff) {
      const joins = ws.framesOf("phx_join").length;
      mock.timers.tick(delay - 1);
      assert.equal(ws.framesOf("phx_join").length, joins);
      mock.timers.tick(1);
      assert.equal(ws.framesOf("phx_join").length, joins + 1, `rejoined after ${delay} ms`);
      const latest = ws.framesOf("phx_join").at(-1);
      assert.notEqual(latest[0], join[0], "a new join_ref");
      mock.timers.tick(10000);
    }
  });

  test("C7 a join error is retried with the rejoin backoff", () => {
    const { socket, ws } = openSocket({ heartbeatIntervalMs: 1e9 });
    const channel = socket.channel("room:no", {});
    channel.join();
    ws.reply("phx_join", "room:no", "error", { reason: "nope" });
    assert.equal(channel.state, "errored");
    mock.timers.tick(1000);
    assert.equal(ws.framesOf("phx_join").length, 2);
  });

  test("C8 a push while joining waits for the join; one that times out first is never sent", () => {
    const { socket, ws } = openSocket({ heartbeatIntervalMs: 1e9 });
    const channel = socket.channel("room:b", {});
    channel.join();
    const early = channel.push("early", { n: 1 });
    assert.equal(ws.framesOf("early").length, 0);
    ws.reply("phx_join", "room:b");
    const [sent] = ws.framesOf("early");
    assert.notEqual(sent[1], ws.framesOf("phx_join")[0][1], "a new ref");
    assert.ok(early);

    const other = socket.channel("room:c", {});
    other.join();
    let timedOut = 0;
    other.push("late", {}, 500).receive("timeout", () => timedOut++);
    mock.timers.tick(500);
    assert.equal(timedOut, 1);
    ws.reply("phx_join", "room:c");
    assert.equal(ws.framesOf("late").length, 0, "never sent");
  });

  test("C9 a push without reply times out once; a late reply is ignored", () => {
    const { socket, ws } = openSocket({ heartbeatIntervalMs: 1e9 });
    const channel = joined(socket, ws);
    let timeouts = 0;
    let oks = 0;
    channel.push("slow", {}).receive("timeout", () => timeouts++).receive("ok", () => oks++);
    mock.timers.tick(10000);
    ws.reply("slow", "room:a");
    mock.timers.tick(20000);
    assert.equal(timeouts, 1);
    assert.equal(oks, 0);
  });

  test("C10 frames of another join_ref are dropped, broadcasts delivered", () => {
    const { socket, ws } = openSocket();
    const channel = joined(socket, ws);
    const got = [];
    channel.on("news", (payload) => got.push(payload.n));
    ws.serverSend(["999", null, "room:a", "news", { n: 1 }]);
    ws.serverSend([null, null, "room:a", "news", { n: 2 }]);
    ws.serverSend([channel.joinRef(), null, "room:a", "news", { n: 3 }]);
    assert.deepEqual(got, [2, 3]);
  });

  test("C11 phx_close closes for good, phx_error rejoins with backoff", () => {
    const { socket, ws } = openSocket({ heartbeatIntervalMs: 1e9 });
    const closing = joined(socket, ws, "room:close");
    ws.serverSend([closing.joinRef(), closing.joinRef(), "room:close", "phx_close", {}]);
    assert.equal(closing.state, "closed");
    mock.timers.tick(20000);
    assert.equal(ws.framesOf("phx_join").filter((f) => f[2] === "room:close").length, 1);

    const erroring = joined(socket, ws, "room:err");
    ws.serverSend([erroring.joinRef(), erroring.joinRef(), "room:err", "phx_error", {}]);
    assert.equal(erroring.state, "errored");
    mock.timers.tick(1000);
    assert.equal(ws.framesOf("phx_join").filter((f) => f[2] === "room:err").length, 2);
  });

  test("C12 errored channels rejoin as soon as the connection reopens", () => {
    const { socket, ws } = openSocket({ heartbeatIntervalMs: 1e9 });
    joined(socket, ws, "room:x");
    joined(socket, ws, "room:y");
    ws.serverClose(1006);
    mock.timers.tick(10);
    const next = FakeWebSocket.last();
    assert.notEqual(next, ws);
    next.serverOpen();
    assert.deepEqual(next.framesOf("phx_join").map((f) => f[2]).sort(), ["room:x", "room:y"]);
  });

  test("C13 disconnect() never reconnects", () => {
    const { socket } = openSocket();
    socket.disconnect();
    mock.timers.tick(60000);
    assert.equal(FakeWebSocket.instances.length, 1);
    assert.equal(socket.isConnected(), false);
  });

  test("C14 leave closes on ok or timeout; with the socket down it closes at once", () => {
    const { socket, ws } = openSocket({ heartbeatIntervalMs: 1e9 });
    const a = joined(socket, ws, "room:l1");
    a.leave();
    assert.equal(ws.framesOf("phx_leave").length, 1);
    ws.reply("phx_leave", "room:l1");
    assert.equal(a.state, "closed");

    const b = joined(socket, ws, "room:l2");
    b.leave();
    mock.timers.tick(10000);
    assert.equal(b.state, "closed", "closed on timeout");

    const c = joined(socket, ws, "room:l3");
    ws.serverClose(1006);
    c.leave();
    assert.equal(c.state, "closed", "closed locally at once");
  });

  test("C15 joining a second Channel object of a joined topic leaves the first", () => {
    const { socket, ws } = openSocket({ heartbeatIntervalMs: 1e9 });
    const first = joined(socket, ws, "room:dup");
    const second = socket.channel("room:dup", {});
    second.join();
    const [leave] = ws.framesOf("phx_leave");
    assert.equal(leave[0], first.joinRef());
    assert.equal(first.state, "leaving");
  });

  test("C16 LongPoll fallback when WebSocket fails, remembered in sessionStorage", async () => {
    const storage = new MemoryStorage();
    const requests = [];
    globalThis.fetch = (url, options) => {
      requests.push({ url, method: options.method });
      if (requests.length > 1) return new Promise(() => {}); // later polls wait
      return Promise.resolve({ text: () => Promise.resolve(JSON.stringify({ status: 410, token: "T", messages: [] })) });
    };
    try {
      const socket = new Socket("ws://example.com/socket", {
        transport: FakeWebSocket,
        longPollFallbackMs: 2500,
        sessionStorage: storage,
      });
      socket.connect();
      const ws = FakeWebSocket.last();
      ws.onerror("unreachable");
      assert.equal(socket.transport, LongPoll, "switched to LongPoll");
      mock.timers.tick(1);
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(socket.isConnected(), true);
      assert.equal(storage.getItem("phx:fallback:LongPoll"), "true");
      assert.match(requests[0].url, /^http:\/\/example.com\/socket\/longpoll\?/);
      socket.disconnect();

      requests.length = 0;
      const again = new Socket("ws://example.com/socket", {
        transport: FakeWebSocket,
        longPollFallbackMs: 2500,
        sessionStorage: storage,
      });
      const before = FakeWebSocket.instances.length;
      again.connect();
      assert.equal(again.transport, LongPoll, "starts with LongPoll");
      assert.equal(FakeWebSocket.instances.length, before, "no WebSocket attempted");
      again.disconnect();
    } finally {
      delete globalThis.fetch;
    }
  });

  test("C17 LongPoll: 410 without token opens, 410 with a token closes with 3410", async () => {
    const answers = [{ status: 410, token: "T1", messages: [] }, { status: 410, token: "T2", messages: [] }];
    globalThis.fetch = () => {
      const answer = answers.shift() || new Promise(() => {});
      return Promise.resolve({ text: () => Promise.resolve(JSON.stringify(answer)) });
    };
    try {
      const lp = new LongPoll("ws://example.com/socket/websocket", undefined);
      const events = [];
      lp.onopen = () => events.push("open");
      lp.onerror = (e) => events.push(`error ${e}`);
      lp.onclose = (e) => events.push(`close ${e.code}`);
      mock.timers.tick(1);
      for (let i = 0; i < 6; i++) await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(events, ["open", "error 410", "close 3410"]);
      lp.close();
    } finally {
      delete globalThis.fetch;
    }
  });
});

describe("seed (Phoenix 0.7) API", () => {
  test("socket.join maps to rooms:lobby, calls back on every join, send pushes, trigger stays local", () => {
    const socket = new Socket("ws://example.com/ws", { transport: FakeWebSocket, heartbeatIntervalMs: 1e9 });
    const calls = [];
    const got = [];
    socket.join("rooms", "lobby", { token: "t" }, (channel) => {
      calls.push(channel.topic);
      channel.on("pong", (message) => got.push(message));
    });
    const ws = FakeWebSocket.last();
    assert.ok(ws, "join connects the socket");
    ws.serverOpen();
    const [join] = ws.framesOf("phx_join");
    assert.deepEqual(join.slice(2), ["rooms:lobby", "phx_join", { token: "t" }]);
    ws.reply("phx_join", "rooms:lobby");
    assert.deepEqual(calls, ["lobby"]);
    const legacy = socket.legacyChannels[0];
    legacy.send("ping", { data: "json stuff" });
    assert.deepEqual(ws.framesOf("ping")[0].slice(2), ["rooms:lobby", "ping", { data: "json stuff" }]);
    legacy.trigger("pong", "local");
    assert.equal(ws.framesOf("pong").length, 0, "trigger sends nothing");
    ws.serverSend([null, null, "rooms:lobby", "pong", { from: "server" }]);
    assert.deepEqual(got, ["local", { from: "server" }]);

    // A rejoin calls back again, with the bindings reset.
    const j = legacy.channel.joinRef();
    ws.serverSend([j, j, "rooms:lobby", "phx_error", {}]);
    mock.timers.tick(1000);
    ws.reply("phx_join", "rooms:lobby");
    assert.deepEqual(calls, ["lobby", "lobby"]);
    ws.serverSend([null, null, "rooms:lobby", "pong", { n: 2 }]);
    assert.equal(got.length, 3, "one binding after the reset, not two");

    socket.leave("rooms", "lobby");
    assert.equal(ws.framesOf("phx_leave").at(-1)[2], "rooms:lobby");
  });
});
