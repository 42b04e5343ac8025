// phoenix.mjs: the ES module form of phoenix.js (same classes).
//
//   import { Socket, Presence } from "/js/phoenix.mjs";
//
// `Socket` here is the modern one: it connects when `connect()` is called.
import "./phoenix.js";

const Phoenix = globalThis.PhoenixModule;

export const { Ajax, Channel, LongPoll, Presence, Serializer, Socket } = Phoenix;
export default Phoenix;
