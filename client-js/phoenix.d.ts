// Types of phoenix.js (hand-written). `import { Socket } from "./phoenix.mjs"`
// or, with the classic script, `window.Phoenix`.

export type Payload = Record<string, unknown> | ArrayBuffer;
export type Params = Record<string, unknown> | (() => Record<string, unknown>);

export interface Message {
  join_ref: string | null;
  ref: string | null;
  topic: string;
  event: string;
  payload: any;
}

export interface SocketOptions {
  params?: Params;
  transport?: new (url: string, protocols?: string[]) => any;
  longPollFallbackMs?: number;
  longpollerTimeout?: number;
  timeout?: number;
  heartbeatIntervalMs?: number;
  reconnectAfterMs?: (tries: number) => number;
  rejoinAfterMs?: (tries: number) => number;
  logger?: (kind: string, message: string, data: any) => void;
  debug?: boolean;
  authToken?: string | (() => string);
  binaryType?: BinaryType;
  sessionStorage?: Pick<Storage, "getItem" | "setItem">;
  vsn?: string;
  encode?: (message: Message, callback: (encoded: any) => void) => void;
  decode?: (raw: any, callback: (message: Message) => void) => void;
  /** Connect in the constructor (the default of `window.Phoenix.Socket`). */
  autoConnect?: boolean;
}

export type PushStatus = "ok" | "error" | "timeout";

export declare class Push {
  receive(status: PushStatus | string, callback: (response: any) => void): this;
}

export declare class Channel {
  readonly topic: string;
  state: "closed" | "errored" | "joined" | "joining" | "leaving";
  join(timeout?: number): Push;
  leave(timeout?: number): Push;
  push(event: string, payload?: Payload, timeout?: number): Push;
  on(event: string, callback: (payload: any, ref?: string | null, joinRef?: string | null) => void): number;
  off(event: string, ref?: number): void;
  onClose(callback: (payload: any) => void): number;
  onError(callback: (reason: any) => void): number;
  onMessage(event: string, payload: any, ref?: string | null, joinRef?: string | null): any;
  joinRef(): string | null;
  canPush(): boolean;
}

/** The channel object of the seed (Phoenix 0.7) API. */
export declare class LegacyChannel {
  readonly channel: Channel;
  readonly channelName: string;
  readonly topic: string;
  on(event: string, callback: (message: any) => void): void;
  off(event: string): void;
  send(event: string, payload?: Payload): void;
  /** Runs this channel's own bindings; sends nothing. */
  trigger(event: string, message: any): void;
  leave(): Push;
}

export declare class Socket {
  constructor(endPoint: string, opts?: SocketOptions);
  connect(params?: Params): void;
  disconnect(callback?: () => void, code?: number, reason?: string): void;
  channel(topic: string, params?: Params): Channel;
  onOpen(callback: () => void): string;
  onClose(callback: (event: any) => void): string;
  onError(callback: (error: any, transportBefore: any, establishedConnections: number) => void): string;
  onMessage(callback: (message: Message) => void): string;
  off(refs: string[]): void;
  isConnected(): boolean;
  connectionState(): "connecting" | "open" | "closing" | "closed";
  ping(callback: (roundTripMs: number) => void): boolean;
  makeRef(): string;
  endPointURL(): string;
  /** Seed API: joins `channel:topic`, calling back on every (re)join. */
  join(channel: string, topic: string, params: Params, callback: (channel: LegacyChannel) => void): LegacyChannel;
  join(channel: string, topic: string, callback: (channel: LegacyChannel) => void): LegacyChannel;
  /** Seed API: leaves `channel:topic`. */
  leave(channel: string, topic: string): void;
}

export type PresenceState = Record<string, { metas: Array<{ phx_ref: string; [key: string]: any }>; [key: string]: any }>;

export declare class Presence {
  constructor(channel: Channel, opts?: { events?: { state: string; diff: string } });
  onJoin(callback: (key: string, current: any, joined: any) => void): void;
  onLeave(callback: (key: string, current: any, left: any) => void): void;
  onSync(callback: () => void): void;
  list<T = any>(chooser?: (key: string, presence: any) => T): T[];
  static syncState(state: PresenceState, newState: PresenceState, onJoin?: Function, onLeave?: Function): PresenceState;
  static syncDiff(state: PresenceState, diff: { joins: PresenceState; leaves: PresenceState }, onJoin?: Function, onLeave?: Function): PresenceState;
  static list<T = any>(presences: PresenceState, chooser?: (key: string, presence: any) => T): T[];
}

export declare class LongPoll {
  constructor(endPoint: string, protocols?: string[]);
}

export declare const Serializer: {
  encode(message: Message, callback: (encoded: string | ArrayBuffer) => void): void;
  decode(raw: string | ArrayBuffer, callback: (message: Message) => void): void;
};

declare const Phoenix: {
  Socket: typeof Socket;
  Channel: typeof Channel;
  Presence: typeof Presence;
  LongPoll: typeof LongPoll;
  Serializer: typeof Serializer;
};
export default Phoenix;
