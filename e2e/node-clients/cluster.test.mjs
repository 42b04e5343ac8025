// Three demo nodes sharing a real redis-server (`[pubsub] adapter = "redis"`):
// phoenix.js clients on different nodes chat and see each other in Presence;
// a killed node's users leave on the others within the down period; Redis
// stopped and started again: each node keeps serving its own clients,
// reports the outage, and broadcasts between nodes resume.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as official from "phoenix";
import WebSocket from "ws";

import * as ours from "../../client-js/phoenix.mjs";
import { RedisServer } from "../support/redis.mjs";
import { DemoServer } from "../support/server.mjs";

const DOWN_PERIOD_MS = 2000;

/** Resolves when `predicate()` holds, checking every 20 ms; fails naming `what`. */
async function until(predicate, what, ms = 15000) {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A chat user on one node: its socket, channel, messages and presence list. */
async function join(lib, node, user, topic, params = { user }) {
  const socket = new lib.Socket(node.socketUrl, { transport: WebSocket, params, timeout: 5000 });
  socket.connect();
  const channel = socket.channel(topic, {});
  const presence = new lib.Presence(channel);
  const client = { socket, channel, presence, user, messages: [], users: [] };
  presence.onSync(() => {
    client.users = presence.list((key) => key).sort();
  });
  channel.on("new_msg", (message) => client.messages.push(message));
  channel.on("others", (message) => client.messages.push(message));
  await new Promise((resolve, reject) => {
    channel
      .join()
      .receive("ok", resolve)
      .receive("error", (reason) => reject(new Error(`${user} could not join: ${JSON.stringify(reason)}`)))
      .receive("timeout", () => reject(new Error(`${user}: the join timed out`)));
  });
  return client;
}

function say(client, body) {
  client.channel.push("new_msg", { body });
}

function received(client, body) {
  return client.messages.filter((m) => m.body === body).length;
}

describe("three nodes on Redis", () => {
  let redis;
  const nodes = [];
  const clients = [];

  before(async () => {
    redis = await RedisServer.start();
    for (const name of ["node-a", "node-b", "node-c"]) {
      nodes.push(
        await DemoServer.start({
          PHX_PUBSUB__ADAPTER: "redis",
          PHX_PUBSUB__URL: redis.url,
          PHX_PUBSUB__NODE: name,
          PHX_PRESENCE__HEARTBEAT_MS: "200",
          PHX_PRESENCE__DOWN_PERIOD_MS: String(DOWN_PERIOD_MS),
        }),
      );
    }
  });

  after(async () => {
    for (const client of clients) client.socket.disconnect();
    for (const node of nodes) await node.stop();
    await redis?.stop();
  });

  test("clients on different nodes chat and see each other in Presence", async () => {
    // The demo tracks presence on `room:lobby` and `room:presence:*`.
    const topic = "room:presence:cluster";
    clients.push(await join(ours, nodes[0], "ada", topic));
    clients.push(await join(official, nodes[1], "bob", topic));
    clients.push(await join(ours, nodes[2], "cyd", topic));
    // The same user on two nodes: one key, two metas.
    clients.push(await join(official, nodes[1], "ada", topic));
    const [ada, bob, cyd, ada2] = clients;
    for (const client of clients) {
      await until(() => client.users.join() === "ada,bob,cyd", `${client.user} to see ada, bob and cyd (sees ${client.users})`);
    }
    await until(() => cyd.presence.list((key, { metas }) => `${key}:${metas.length}`).sort().join() === "ada:2,bob:1,cyd:1",
      "cyd to see ada with two metas");

    say(ada, "hello from node a");
    say(cyd, "hello from node c");
    // A last message from each sender: once it arrives, the earlier one has
    // arrived too (same path, in order), so counting it is final.
    say(ada, "done a");
    say(cyd, "done c");
    for (const client of [ada, bob, cyd, ada2]) {
      await until(() => received(client, "done a") === 1 && received(client, "done c") === 1, `${client.user} to receive both`);
      assert.equal(received(client, "hello from node a"), 1, `${client.user} got node a's message once`);
      assert.equal(received(client, "hello from node c"), 1, `${client.user} got node c's message once`);
    }
    const message = bob.messages.find((m) => m.body === "hello from node a");
    assert.equal(message.user, "ada");

    // broadcast_from: everyone on every node but the sender, once.
    ada.channel.push("others", { body: "not for me" });
    say(ada, "done others");
    for (const client of [ada, bob, cyd, ada2]) {
      await until(() => received(client, "done others") === 1, `${client.user} to receive the marker`);
    }
    assert.equal(received(ada, "not for me"), 0, "the sender does not get its broadcast_from");
    for (const client of [bob, cyd, ada2]) assert.equal(received(client, "not for me"), 1, `${client.user} got it once`);
  });

  test("a token signed by one node's page is accepted by another node, a tampered one refused", async () => {
    const page = await fetch(`http://127.0.0.1:${nodes[0].port}/chat?user=dee`).then((r) => r.text());
    const token = page.match(/id="user-token"[^>]*value="([^"]+)"/)?.[1];
    assert.ok(token, "the chat page of node a holds a token");
    // The token's user, not the `user` param, on node b.
    const dee = await join(ours, nodes[1], "ignored", "room:presence:cluster", { user_token: token, user: "mallory" });
    clients.push(dee);
    const [ada] = clients;
    await until(() => ada.users.includes("dee") && !ada.users.includes("mallory"), `ada on node a to see dee (sees ${ada.users})`);
    // A tampered token: node c refuses the connection (403) and says why.
    const tampered = token.slice(0, -2) + (token.endsWith("A") ? "BB" : "AA");
    const refused = await fetch(`http://127.0.0.1:${nodes[2].port}/socket/longpoll?vsn=2.0.0&user_token=${encodeURIComponent(tampered)}`);
    assert.equal((await refused.json()).status, 403);
    await until(() => /connection refused: invalid token/.test(nodes[2].log), "node c to log why it refused");
    dee.socket.disconnect();
    clients.pop();
    await until(() => !ada.users.includes("dee"), "dee to leave");
  });

  test("a killed node's users leave on the other nodes within the down period", async () => {
    const [ada, bob] = clients;
    const killedAt = Date.now();
    await nodes[2].kill();
    await until(() => ada.users.join() === "ada,bob" && bob.users.join() === "ada,bob",
      `cyd to leave (ada sees ${ada.users}, bob sees ${bob.users})`, DOWN_PERIOD_MS + 8000);
    const took = Date.now() - killedAt;
    assert.ok(took >= DOWN_PERIOD_MS - 500, `cyd left after ${took} ms, not before the down period`);
    assert.match(nodes[0].log, /node node-c is silent for longer than the down period/);
  });

  test("Redis stopped and started again: nodes serve their own clients, report the outage, and resume", async () => {
    const [ada, bob, , ada2] = clients;
    await redis.stop();
    await until(() => /Redis link down/.test(nodes[0].log), "node a to log the outage");
    // Node a's own clients still get node a's broadcasts.
    say(ada, "during the outage");
    await until(() => received(ada, "during the outage") === 1, "ada to get her own message during the outage");
    await redis.spawn();
    // Node b's client gets a message from node a again once both links are up.
    let n = 0;
    await until(() => {
      if (bob.messages.some((m) => m.body.startsWith("after the outage"))) return true;
      if (n % 10 === 0) say(ada, `after the outage ${n}`);
      n += 1;
      return false;
    }, "a message from node a to reach node b after Redis is back", 20000);
    assert.match(nodes[0].log, /Redis link up/);
    // Broadcasts node a could not send were counted and reported.
    await until(() => /lost=[1-9]/.test(nodes[0].log.replace(/\x1b\[[0-9;]*m/g, "")), "node a to report the broadcasts it lost");
    // Presence recovers: everyone is listed again on both nodes.
    await until(() => bob.users.join() === "ada,bob" && ada2.users.join() === "ada,bob", `presence to recover (bob sees ${bob.users})`);
  });
});
