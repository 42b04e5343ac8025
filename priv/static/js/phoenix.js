// phoenix.js — interim Channels client (V2 JSON over WebSocket).
//
// A small subset of the phoenix.js API, enough for the demo's chat page:
// Socket(endPoint, {params}), connect(), disconnect(), onOpen/onClose,
// channel(topic, params) with join(), push(), on(), off(), leave();
// heartbeats, reconnection with backoff and rejoin after reconnect.
// The full client (LongPoll, binary, presence helpers, the seed API)
// replaces this file; until then, this is what /js/phoenix.js serves.
(function (global) {
  "use strict";

  var RECONNECT = [10, 50, 100, 150, 200, 250, 500, 1000, 2000];
  var REJOIN = [1000, 2000, 5000];

  function Push(channel, event, payload, timeout) {
    this.channel = channel;
    this.event = event;
    this.payload = payload;
    this.timeout = timeout;
    this.hooks = [];
    this.received = null;
    this.timer = null;
    this.ref = null;
  }
  Push.prototype.receive = function (status, callback) {
    if (this.received && this.received.status === status) callback(this.received.response);
    this.hooks.push({ status: status, callback: callback });
    return this;
  };
  Push.prototype.send = function () {
    var self = this;
    var socket = this.channel.socket;
    this.received = null;
    this.ref = socket.makeRef();
    socket.replyHandlers[this.ref] = function (payload) {
      clearTimeout(self.timer);
      self.trigger(payload.status, payload.response);
    };
    clearTimeout(this.timer);
    this.timer = setTimeout(function () {
      delete socket.replyHandlers[self.ref];
      self.trigger("timeout", {});
    }, this.timeout);
    socket.send([this.channel.joinRef, this.ref, this.channel.topic, this.event, this.payload]);
  };
  Push.prototype.trigger = function (status, response) {
    this.received = { status: status, response: response };
    this.hooks.forEach(function (hook) {
      if (hook.status === status) hook.callback(response);
    });
  };

  function Channel(topic, params, socket) {
    this.topic = topic;
    this.params = params || {};
    this.socket = socket;
    this.state = "closed";
    this.bindings = [];
    this.joinRef = null;
    this.rejoinTries = 0;
    this.joinPush = new Push(this, "phx_join", this.params, socket.timeout);
    var self = this;
    this.joinPush.receive("ok", function () {
      self.state = "joined";
      self.rejoinTries = 0;
    });
    this.joinPush.receive("error", function () {
      self.state = "errored";
      self.scheduleRejoin();
    });
    this.joinPush.receive("timeout", function () {
      self.state = "errored";
      self.scheduleRejoin();
    });
  }
  Channel.prototype.join = function () {
    this.rejoin();
    return this.joinPush;
  };
  Channel.prototype.rejoin = function () {
    if (this.state === "leaving") return;
    this.state = "joining";
    this.joinRef = null;
    if (this.socket.isConnected()) {
      var ref = this.socket.peekRef();
      this.joinRef = ref;
      this.joinPush.send();
    }
  };
  Channel.prototype.scheduleRejoin = function () {
    var self = this;
    var delay = REJOIN[this.rejoinTries] || 10000;
    this.rejoinTries += 1;
    clearTimeout(this.rejoinTimer);
    this.rejoinTimer = setTimeout(function () {
      if (self.socket.isConnected() && self.state === "errored") self.rejoin();
    }, delay);
  };
  Channel.prototype.on = function (event, callback) {
    this.bindings.push({ event: event, callback: callback });
  };
  Channel.prototype.off = function (event) {
    this.bindings = this.bindings.filter(function (b) { return b.event !== event; });
  };
  Channel.prototype.push = function (event, payload) {
    var push = new Push(this, event, payload || {}, this.socket.timeout);
    if (this.state === "joined") push.send();
    else setTimeout(function () { push.trigger("error", { reason: "not joined" }); }, 0);
    return push;
  };
  Channel.prototype.leave = function () {
    this.state = "leaving";
    clearTimeout(this.rejoinTimer);
    var push = new Push(this, "phx_leave", {}, this.socket.timeout);
    if (this.socket.isConnected()) push.send();
    return push;
  };
  Channel.prototype.dispatch = function (message) {
    if (message.joinRef && message.joinRef !== this.joinRef) return;
    if (message.event === "phx_error" || message.event === "phx_close") {
      this.state = message.event === "phx_close" ? "closed" : "errored";
      if (this.state === "errored") this.scheduleRejoin();
    }
    this.bindings.forEach(function (b) {
      if (b.event === message.event) b.callback(message.payload, message.ref);
    });
  };

  function Socket(endPoint, opts) {
    opts = opts || {};
    this.endPoint = endPoint;
    this.params = opts.params || {};
    this.timeout = opts.timeout || 10000;
    this.heartbeatMs = opts.heartbeatIntervalMs || 30000;
    this.channels = [];
    this.replyHandlers = {};
    this.ref = 0;
    this.tries = 0;
    this.conn = null;
    this.manualClose = false;
    this.callbacks = { open: [], close: [] };
  }
  Socket.prototype.makeRef = function () {
    this.ref += 1;
    return String(this.ref);
  };
  Socket.prototype.peekRef = function () {
    return String(this.ref + 1);
  };
  Socket.prototype.url = function () {
    var base = this.endPoint;
    if (base.charAt(0) === "/" && base.charAt(1) !== "/") {
      base = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + base;
    }
    var params = typeof this.params === "function" ? this.params() : this.params;
    var query = Object.keys(params).map(function (k) {
      return encodeURIComponent(k) + "=" + encodeURIComponent(params[k]);
    });
    query.push("vsn=2.0.0");
    return base + "/websocket?" + query.join("&");
  };
  Socket.prototype.onOpen = function (cb) { this.callbacks.open.push(cb); };
  Socket.prototype.onClose = function (cb) { this.callbacks.close.push(cb); };
  Socket.prototype.isConnected = function () {
    return !!this.conn && this.conn.readyState === 1;
  };
  Socket.prototype.connect = function () {
    var self = this;
    this.manualClose = false;
    var conn = new WebSocket(this.url());
    this.conn = conn;
    conn.onopen = function () {
      self.tries = 0;
      clearInterval(self.heartbeat);
      self.heartbeat = setInterval(function () {
        self.send([null, self.makeRef(), "phoenix", "heartbeat", {}]);
      }, self.heartbeatMs);
      self.callbacks.open.forEach(function (cb) { cb(); });
      self.channels.forEach(function (ch) {
        if (ch.state === "errored" || ch.state === "joining") ch.rejoin();
      });
    };
    conn.onmessage = function (event) {
      var m = JSON.parse(event.data);
      var message = { joinRef: m[0], ref: m[1], topic: m[2], event: m[3], payload: m[4] };
      if (message.event === "phx_reply" && self.replyHandlers[message.ref]) {
        var handler = self.replyHandlers[message.ref];
        delete self.replyHandlers[message.ref];
        handler(message.payload);
        return;
      }
      self.channels.forEach(function (ch) {
        if (ch.topic === message.topic) ch.dispatch(message);
      });
    };
    conn.onclose = function (event) {
      clearInterval(self.heartbeat);
      self.channels.forEach(function (ch) {
        if (ch.state === "joined" || ch.state === "joining") {
          ch.state = "errored";
          ch.dispatch({ joinRef: null, event: "phx_error", payload: { reason: "connection_closed" } });
        }
      });
      self.callbacks.close.forEach(function (cb) { cb(event); });
      if (!self.manualClose && event.code !== 1000) {
        var delay = RECONNECT[self.tries] || 5000;
        self.tries += 1;
        setTimeout(function () { self.connect(); }, delay);
      }
    };
  };
  Socket.prototype.disconnect = function () {
    this.manualClose = true;
    if (this.conn) this.conn.close(1000);
  };
  Socket.prototype.send = function (frame) {
    if (this.isConnected()) this.conn.send(JSON.stringify(frame));
  };
  Socket.prototype.channel = function (topic, params) {
    var channel = new Channel(topic, params, this);
    this.channels.push(channel);
    return channel;
  };

  global.Phoenix = { Socket: Socket, Channel: Channel, version: "interim" };
})(typeof window !== "undefined" ? window : globalThis);
