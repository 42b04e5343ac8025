// Two clients against the demo server, over WebSocket (with the `ws`
// package) and over LongPoll (with Node's fetch): the official `phoenix` npm
// client (1.8.x), and ours (client-js/phoenix.mjs).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as official from "phoenix";
import WebSocket from "ws";

import * as ours from "../../client-js/phoenix.mjs";
import { DemoServer } from "../support/server.mjs";

const clients = [
  ["official phoenix client", official],
  ["our phoenix.js", ours],
];

/** Rejects with `what` in its message if `promise` does not settle within `ms`. */
function within(promise, what, ms = 10000) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Resolves with the first reply of a push (ok, error or timeout). */
function reply(push) {
  const replied = new Promise((resolve) => {
    push
      .receive("ok", (response) => resolve({ status: "ok", response }))
      .receive("error", (response) => resolve({ status: "error", response }))
      .receive("timeout", () => resolve({ status: "timeout" }));
  });
  return within(replied, `the reply to ${push.event} on ${push.channel.topic}`);
}

/** Resolves with the next payload of an event on a channel (10 s at most). */
function next(channel, event) {
  const received = new Promise((resolve) => {
    const ref = channel.on(event, (payload) => {
      channel.off(event, ref);
      resolve(payload);
    });
  });
  return within(received, `${event} on ${channel.topic}`);
}

/** Resolves when `predicate()` holds, checking after every event loop turn. */
async function until(predicate, what, ms = 10000) {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function connect(Socket, server, options, user) {
  const socket = new Socket(server.socketUrl, { ...options, params: { user }, timeout: 5000 });
  socket.connect();
  return socket;
}

for (const [client, { LongPoll, Presence, Socket }] of clients) {
const transports = [
  ["WebSocket", { transport: WebSocket }],
  ["LongPoll", { transport: LongPoll }],
];
for (const [name, options] of transports) {
  describe(`${client} over ${name}`, () => {
    let server;
    const sockets = [];
    const open = (user) => {
      const socket = connect(Socket, server, options, user);
      sockets.push(socket);
      return socket;
    };

    before(async () => {
      server = await DemoServer.start();
    });

    after(async () => {
      for (const socket of sockets) socket.disconnect();
      await server.stop();
    });

    test("join, push with reply, leave", async () => {
      const socket = open("ann");
      const channel = socket.channel("room:plain", {});
      assert.deepEqual(await reply(channel.join()), { status: "ok", response: {} });
      assert.deepEqual(await reply(channel.push("ping", { n: 1 })), { status: "ok", response: { n: 1 } });
      assert.deepEqual(await reply(channel.push("echo", { text: "héllo" })), {
        status: "ok",
        response: { text: "héllo" },
      });
      assert.equal((await reply(channel.leave())).status, "ok");
    });

    test("a broadcast reaches another socket, broadcast_from skips the sender", async () => {
      const a = open("amy").channel("room:bc", {});
      const b = open("bob").channel("room:bc", {});
      await reply(a.join());
      await reply(b.join());
      const atB = next(b, "new_msg");
      a.push("new_msg", { body: "hi bob" });
      assert.deepEqual(await atB, { user: "amy", body: "hi bob" });
      let aGotOthers = false;
      a.on("others", () => (aGotOthers = true));
      const othersAtB = next(b, "others");
      a.push("others", { n: 2 });
      assert.deepEqual(await othersAtB, { n: 2 });
      const shoutAtA = next(a, "shout");
      a.push("shout", { loud: true });
      assert.deepEqual(await shoutAtA, { loud: true }, "the sender gets its own shout");
      assert.equal(aGotOthers, false);
    });

    test("a refused join reports the reason", async () => {
      const channel = open("eve").channel("room:secret", {});
      assert.deepEqual(await reply(channel.join()), { status: "error", response: { reason: "unauthorized" } });
      channel.leave();
    });

    test("a crashed channel rejoins by itself", async () => {
      const channel = open("cat").channel("room:crashy", {});
      let joins = 0;
      channel.join().receive("ok", () => joins++);
      await until(() => joins === 1, "the first join");
      let errored = false;
      channel.onError(() => (errored = true));
      channel.push("crash", {});
      await until(() => errored, "phx_error");
      await until(() => joins === 2, "the automatic rejoin");
      assert.deepEqual(await reply(channel.push("ping", { back: true })), { status: "ok", response: { back: true } });
    });

    test("presence syncs across two clients", async () => {
      const alice = open("alice").channel("room:presence:e2e", {});
      const presenceA = new Presence(alice);
      let listA = [];
      presenceA.onSync(() => (listA = presenceA.list((id) => id).sort()));
      await reply(alice.join());
      await until(() => listA.join() === "alice", "alice sees herself");

      const bobSocket = open("bob2");
      const bob = bobSocket.channel("room:presence:e2e", {});
      const presenceB = new Presence(bob);
      let listB = [];
      presenceB.onSync(() => (listB = presenceB.list((id) => id).sort()));
      await reply(bob.join());
      await until(() => listA.join() === "alice,bob2", "alice sees bob");
      await until(() => listB.join() === "alice,bob2", "bob sees both");

      if (name === "LongPoll") {
        // A LongPoll client cannot tell the server it went away (its session
        // would end after 15 s without polls), so bob leaves the topic first.
        bob.leave();
        await until(() => listA.join() === "alice", "bob's presence goes away when he leaves");
        bobSocket.disconnect();
      } else {
        bobSocket.disconnect();
        await until(() => listA.join() === "alice", "bob's presence goes away when his socket closes");
      }
    });

    if (client === "our phoenix.js") {
      test("the seed API: socket.join, channel.send, channel.on", async () => {
        const socket = new Socket(server.socketUrl.replace("/socket", "/ws"), { ...options, params: { user: "seedy" } });
        sockets.push(socket);
        const joined = [];
        const received = new Promise((resolve) => {
          socket.join("room", "seed", {}, (channel) => {
            joined.push(channel.topic);
            channel.on("new_msg", resolve);
            channel.send("new_msg", { body: "from the seed API" });
          });
        });
        assert.deepEqual(await within(received, "new_msg through the seed API"), { user: "seedy", body: "from the seed API" });
        assert.deepEqual(joined, ["seed"]);
      });
    }

    if (name === "WebSocket") {
      test("heartbeat round trip", async () => {
        const socket = open("hb");
        await until(() => socket.isConnected(), "connected");
        const latency = await within(new Promise((resolve) => socket.ping(resolve)), "the heartbeat reply");
        assert.ok(latency >= 0 && latency < 5000);
      });
    }
  });

  test(`${client} reconnects and rejoins after the server restarts (${name})`, async () => {
    const server = await DemoServer.start();
    const socket = connect(Socket, server, options, "phoenix");
    try {
      const channel = socket.channel("room:restart", {});
      let joins = 0;
      channel.join().receive("ok", () => joins++);
      await until(() => joins === 1, "joined");
      await server.restart();
      await until(() => joins === 2, "rejoined after the restart", 20000);
      assert.deepEqual(await reply(channel.push("ping", { after: "restart" })), {
        status: "ok",
        response: { after: "restart" },
      });
    } finally {
      socket.disconnect();
      await server.stop();
    }
  });
}
}
