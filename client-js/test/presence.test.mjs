// The presence checklist of the protocol spec (P1–P6).
import { describe, test } from "node:test";
import assert from "node:assert/strict";

import { Presence } from "../phoenix.mjs";

/** A channel stand-in: `on` bindings, a join ref, and a way to deliver events. */
function fakeChannel() {
  const bindings = {};
  return {
    ref: "1",
    joinRef() {
      return this.ref;
    },
    on(event, callback) {
      (bindings[event] ||= []).push(callback);
    },
    deliver(event, payload) {
      (bindings[event] || []).forEach((callback) => callback(payload));
    },
  };
}

const meta = (ref, extra = {}) => ({ phx_ref: ref, ...extra });

describe("presence checklist", () => {
  test("P1 a first state joins every key, then syncs once", () => {
    const channel = fakeChannel();
    const presence = new Presence(channel);
    const joined = [];
    let syncs = 0;
    presence.onJoin((key) => joined.push(key));
    presence.onSync(() => syncs++);
    channel.deliver("presence_state", { a: { metas: [meta("1")] }, b: { metas: [meta("2")] } });
    assert.deepEqual(joined.sort(), ["a", "b"]);
    assert.equal(syncs, 1);
    assert.deepEqual(presence.list((key) => key).sort(), ["a", "b"]);
  });

  test("P2 diffs before the state, or after a rejoin, wait for the state", () => {
    const channel = fakeChannel();
    const presence = new Presence(channel);
    channel.deliver("presence_diff", { joins: { c: { metas: [meta("3")] } }, leaves: {} });
    assert.deepEqual(presence.list(), [], "buffered");
    channel.deliver("presence_state", { a: { metas: [meta("1")] } });
    assert.deepEqual(presence.list((k) => k).sort(), ["a", "c"]);
    channel.ref = "2"; // rejoined
    channel.deliver("presence_diff", { joins: { d: { metas: [meta("4")] } }, leaves: {} });
    assert.deepEqual(presence.list((k) => k).sort(), ["a", "c"], "buffered until the new state");
    channel.deliver("presence_state", { a: { metas: [meta("1")] } });
    assert.deepEqual(presence.list((k) => k).sort(), ["a", "d"]);
  });

  test("P3 a join diff for a known key appends metas and reports the previous presence", () => {
    const state = { u: { metas: [meta("1", { device: "web" })] } };
    let current;
    const next = Presence.syncDiff(state, { joins: { u: { metas: [meta("2", { device: "ios" })] } }, leaves: {} }, (key, cur) => {
      current = cur;
    });
    assert.deepEqual(next.u.metas.map((m) => m.phx_ref), ["1", "2"]);
    assert.deepEqual(current.metas.map((m) => m.phx_ref), ["1"]);
  });

  test("P4 a leave diff removes metas by ref and the key when none remain", () => {
    const state = { u: { metas: [meta("1"), meta("2")] } };
    const remaining = [];
    Presence.syncDiff(state, { joins: {}, leaves: { u: { metas: [meta("1")] } } }, undefined, (key, cur) => {
      remaining.push(cur.metas.length);
    });
    assert.deepEqual(state.u.metas.map((m) => m.phx_ref), ["2"]);
    Presence.syncDiff(state, { joins: {}, leaves: { u: { metas: [meta("2")] } } });
    assert.equal("u" in state, false);
    assert.deepEqual(remaining, [1]);
  });

  test("P5 an update diff leaves exactly one meta for the tracked process", () => {
    const state = { u: { metas: [meta("1", { status: "away" })] } };
    Presence.syncDiff(state, {
      joins: { u: { metas: [meta("2", { status: "online", phx_ref_prev: "1" })] } },
      leaves: { u: { metas: [meta("1", { status: "away" })] } },
    });
    assert.equal(state.u.metas.length, 1);
    assert.equal(state.u.metas[0].status, "online");
  });

  test("P6 keys such as __proto__ and constructor are plain keys", () => {
    const channel = fakeChannel();
    const presence = new Presence(channel);
    channel.deliver("presence_state", {
      ["__proto__"]: { metas: [meta("1")] },
      constructor: { metas: [meta("2")] },
    });
    const parsed = JSON.parse('{"__proto__": {"metas": [{"phx_ref": "3"}]}, "toString": {"metas": [{"phx_ref": "4"}]}}');
    channel.deliver("presence_diff", { joins: parsed, leaves: {} });
    assert.deepEqual(presence.list((k) => k).sort(), ["__proto__", "constructor", "toString"]);
  });
});
