// phoenix.js: the Channels client of the phoenix Rust framework.
//
// Plain JavaScript, no dependencies, no build step. Load it as a classic
// script (it defines `window.Phoenix`) or import `phoenix.mjs` (an ES module
// re-exporting the same classes). It speaks the modern Phoenix Channels
// protocol (V2 JSON and binary frames, WebSocket and LongPoll) and offers
// both the modern API (`new Socket(url, opts)`, `socket.channel(topic)`) and
// the API of Phoenix 0.7 (`socket.join("rooms", "lobby", params, cb)`).
(function (root) {
  "use strict";

  var VSN = "2.0.0";
  var DEFAULT_TIMEOUT = 10000;
  var WS_CLOSE_NORMAL = 1000;
  var SOCKET_STATES = { connecting: 0, open: 1, closing: 2, closed: 3 };
  var CHANNEL_STATES = { closed: "closed", errored: "errored", joined: "joined", joining: "joining", leaving: "leaving" };
  var CHANNEL_EVENTS = { close: "phx_close", error: "phx_error", join: "phx_join", reply: "phx_reply", leave: "phx_leave" };
  var TRANSPORTS = { longpoll: "longpoll", websocket: "websocket" };
  var XHR_STATES = { complete: 4 };
  var AUTH_TOKEN_PREFIX = "base64url.bearer.phx.";
  var FALLBACK_KEY = "phx:fallback:LongPoll";

  var globalObject = typeof self !== "undefined" ? self : typeof window !== "undefined" ? window : globalThis;

  function closure(value) {
    return typeof value === "function" ? value : function () { return value; };
  }

  // ------------------------------------------------------------ serializer

  var Serializer = {
    HEADER_LENGTH: 1,
    META_LENGTH: 4,
    KINDS: { push: 0, reply: 1, broadcast: 2 },

    encode: function (msg, callback) {
      if (msg.payload instanceof ArrayBuffer) return callback(this.binaryEncode(msg));
      return callback(JSON.stringify([msg.join_ref, msg.ref, msg.topic, msg.event, msg.payload]));
    },

    decode: function (raw, callback) {
      if (raw instanceof ArrayBuffer) return callback(this.binaryDecode(raw));
      var parts = JSON.parse(raw);
      return callback({ join_ref: parts[0], ref: parts[1], topic: parts[2], event: parts[3], payload: parts[4] });
    },

    binaryEncode: function (msg) {
      var enc = new TextEncoder();
      var joinRef = enc.encode(msg.join_ref == null ? "" : String(msg.join_ref));
      var ref = enc.encode(msg.ref == null ? "" : String(msg.ref));
      var topic = enc.encode(msg.topic);
      var event = enc.encode(msg.event);
      [joinRef, ref, topic, event].forEach(function (field) {
        if (field.length > 255) throw new Error("binary frame fields must be at most 255 bytes");
      });
      var payload = new Uint8Array(msg.payload);
      var header = 1 + 4;
      var out = new Uint8Array(header + joinRef.length + ref.length + topic.length + event.length + payload.length);
      out[0] = this.KINDS.push;
      out[1] = joinRef.length;
      out[2] = ref.length;
      out[3] = topic.length;
      out[4] = event.length;
      var offset = header;
      [joinRef, ref, topic, event, payload].forEach(function (part) {
        out.set(part, offset);
        offset += part.length;
      });
      return out.buffer;
    },

    binaryDecode: function (buffer) {
      var view = new DataView(buffer);
      var bytes = new Uint8Array(buffer);
      var dec = new TextDecoder();
      var kind = view.getUint8(0);
      var offset;
      var read = function (len) {
        var text = dec.decode(bytes.subarray(offset, offset + len));
        offset += len;
        return text;
      };
      if (kind === this.KINDS.push) {
        offset = 4;
        var pjr = read(view.getUint8(1));
        var ptopic = read(view.getUint8(2));
        var pevent = read(view.getUint8(3));
        return { join_ref: pjr || null, ref: null, topic: ptopic, event: pevent, payload: buffer.slice(offset) };
      }
      if (kind === this.KINDS.reply) {
        offset = 5;
        var rjr = read(view.getUint8(1));
        var rref = read(view.getUint8(2));
        var rtopic = read(view.getUint8(3));
        var status = read(view.getUint8(4));
        return {
          join_ref: rjr || null,
          ref: rref || null,
          topic: rtopic,
          event: CHANNEL_EVENTS.reply,
          payload: { status: status, response: buffer.slice(offset) },
        };
      }
      if (kind === this.KINDS.broadcast) {
        offset = 3;
        var btopic = read(view.getUint8(1));
        var bevent = read(view.getUint8(2));
        return { join_ref: null, ref: null, topic: btopic, event: bevent, payload: buffer.slice(offset) };
      }
      throw new Error("unknown binary frame kind " + kind);
    },
  };

  // ------------------------------------------------------------ timer

  // Calls `callback` after `timerCalc(tries)` ms; `reset` forgets the tries.
  function Timer(callback, timerCalc) {
    this.callback = callback;
    this.timerCalc = timerCalc;
    this.timer = null;
    this.tries = 0;
  }
  Timer.prototype.reset = function () {
    this.tries = 0;
    clearTimeout(this.timer);
  };
  Timer.prototype.scheduleTimeout = function () {
    var self = this;
    clearTimeout(this.timer);
    this.timer = setTimeout(function () {
      self.tries = self.tries + 1;
      self.callback();
    }, this.timerCalc(this.tries + 1));
  };

  // ------------------------------------------------------------ push

  function Push(channel, event, payload, timeout) {
    this.channel = channel;
    this.event = event;
    this.payload = payload || function () { return {}; };
    this.receivedResp = null;
    this.timeout = timeout;
    this.timeoutTimer = null;
    this.recHooks = [];
    this.sent = false;
    this.ref = null;
    this.refEvent = null;
  }
  Push.prototype.resend = function (timeout) {
    this.timeout = timeout;
    this.reset();
    this.send();
  };
  Push.prototype.send = function () {
    if (this.hasReceived("timeout")) return;
    this.startTimeout();
    this.sent = true;
    this.channel.socket.push({
      topic: this.channel.topic,
      event: this.event,
      payload: this.payload(),
      ref: this.ref,
      join_ref: this.channel.joinRef(),
    });
  };
  Push.prototype.receive = function (status, callback) {
    if (this.hasReceived(status)) callback(this.receivedResp.response);
    this.recHooks.push({ status: status, callback: callback });
    return this;
  };
  Push.prototype.reset = function () {
    this.cancelRefEvent();
    this.ref = null;
    this.refEvent = null;
    this.receivedResp = null;
    this.sent = false;
  };
  Push.prototype.matchReceive = function (resp) {
    this.recHooks
      .filter(function (h) { return h.status === resp.status; })
      .forEach(function (h) { h.callback(resp.response); });
  };
  Push.prototype.cancelRefEvent = function () {
    if (this.refEvent) this.channel.off(this.refEvent);
  };
  Push.prototype.cancelTimeout = function () {
    clearTimeout(this.timeoutTimer);
    this.timeoutTimer = null;
  };
  Push.prototype.startTimeout = function () {
    var self = this;
    if (this.timeoutTimer) this.cancelTimeout();
    this.ref = this.channel.socket.makeRef();
    this.refEvent = this.channel.replyEventName(this.ref);
    this.channel.on(this.refEvent, function (payload) {
      self.cancelRefEvent();
      self.cancelTimeout();
      self.receivedResp = payload;
      self.matchReceive(payload);
    });
    this.timeoutTimer = setTimeout(function () {
      self.trigger("timeout", {});
    }, this.timeout);
  };
  Push.prototype.hasReceived = function (status) {
    return !!this.receivedResp && this.receivedResp.status === status;
  };
  Push.prototype.trigger = function (status, response) {
    this.channel.trigger(this.refEvent, { status: status, response: response });
  };

  // ------------------------------------------------------------ channel

  function Channel(topic, params, socket) {
    var self = this;
    this.state = CHANNEL_STATES.closed;
    this.topic = topic;
    this.params = closure(params || {});
    this.socket = socket;
    this.bindings = [];
    this.bindingRef = 0;
    this.timeout = socket.timeout;
    this.joinedOnce = false;
    this.joinPush = new Push(this, CHANNEL_EVENTS.join, this.params, this.timeout);
    this.pushBuffer = [];
    this.stateChangeRefs = [];
    this.rejoinTimer = new Timer(function () {
      if (self.socket.isConnected()) self.rejoin();
    }, socket.rejoinAfterMs);
    this.stateChangeRefs.push(this.socket.onError(function () { self.rejoinTimer.reset(); }));
    this.stateChangeRefs.push(
      this.socket.onOpen(function () {
        self.rejoinTimer.reset();
        if (self.isErrored()) self.rejoin();
      })
    );
    this.joinPush.receive("ok", function () {
      self.state = CHANNEL_STATES.joined;
      self.rejoinTimer.reset();
      self.pushBuffer.forEach(function (push) { push.send(); });
      self.pushBuffer = [];
    });
    this.joinPush.receive("error", function () {
      self.state = CHANNEL_STATES.errored;
      if (self.socket.isConnected()) self.rejoinTimer.scheduleTimeout();
    });
    this.onClose(function () {
      self.rejoinTimer.reset();
      if (self.socket.hasLogger()) self.socket.log("channel", "close " + self.topic + " " + self.joinRef());
      self.state = CHANNEL_STATES.closed;
      self.socket.remove(self);
    });
    this.onError(function (reason) {
      if (self.socket.hasLogger()) self.socket.log("channel", "error " + self.topic, reason);
      if (self.isJoining()) self.joinPush.reset();
      self.state = CHANNEL_STATES.errored;
      if (self.socket.isConnected()) self.rejoinTimer.scheduleTimeout();
    });
    this.joinPush.receive("timeout", function () {
      if (self.socket.hasLogger()) self.socket.log("channel", "timeout " + self.topic, self.joinPush.timeout);
      var leavePush = new Push(self, CHANNEL_EVENTS.leave, closure({}), self.timeout);
      leavePush.send();
      self.state = CHANNEL_STATES.errored;
      self.joinPush.reset();
      if (self.socket.isConnected()) self.rejoinTimer.scheduleTimeout();
    });
    this.on(CHANNEL_EVENTS.reply, function (payload, ref) {
      self.trigger(self.replyEventName(ref), payload);
    });
  }

  Channel.prototype.join = function (timeout) {
    if (this.joinedOnce) {
      throw new Error("tried to join multiple times. 'join' can only be called a single time per channel instance");
    }
    this.timeout = timeout || this.timeout;
    this.joinedOnce = true;
    this.rejoin();
    return this.joinPush;
  };
  Channel.prototype.onClose = function (callback) {
    return this.on(CHANNEL_EVENTS.close, callback);
  };
  Channel.prototype.onError = function (callback) {
    return this.on(CHANNEL_EVENTS.error, function (reason) { callback(reason); });
  };
  Channel.prototype.on = function (event, callback) {
    var ref = this.bindingRef++;
    this.bindings.push({ event: event, ref: ref, callback: callback });
    return ref;
  };
  Channel.prototype.off = function (event, ref) {
    this.bindings = this.bindings.filter(function (b) {
      return !(b.event === event && (typeof ref === "undefined" || ref === b.ref));
    });
  };
  Channel.prototype.canPush = function () {
    return this.socket.isConnected() && this.isJoined();
  };
  Channel.prototype.push = function (event, payload, timeout) {
    payload = payload || {};
    if (!this.joinedOnce) {
      throw new Error("tried to push '" + event + "' to '" + this.topic + "' before joining. Use channel.join() before pushing events");
    }
    var pushEvent = new Push(this, event, function () { return payload; }, timeout || this.timeout);
    if (this.canPush()) {
      pushEvent.send();
    } else {
      pushEvent.startTimeout();
      this.pushBuffer.push(pushEvent);
    }
    return pushEvent;
  };
  Channel.prototype.leave = function (timeout) {
    var self = this;
    var couldPush = this.canPush();
    timeout = timeout || this.timeout;
    this.rejoinTimer.reset();
    this.joinPush.cancelTimeout();
    this.state = CHANNEL_STATES.leaving;
    var onClose = function () {
      if (self.socket.hasLogger()) self.socket.log("channel", "leave " + self.topic);
      self.trigger(CHANNEL_EVENTS.close, "leave");
    };
    var leavePush = new Push(this, CHANNEL_EVENTS.leave, closure({}), timeout);
    leavePush.receive("ok", onClose).receive("timeout", onClose);
    leavePush.send();
    // Not joined or not connected: nobody will answer, close now.
    if (!couldPush) leavePush.trigger("ok", {});
    return leavePush;
  };
  // Overridable: transforms incoming payloads.
  Channel.prototype.onMessage = function (_event, payload) {
    return payload;
  };
  Channel.prototype.isMember = function (topic, event, payload, joinRef) {
    if (this.topic !== topic) return false;
    if (joinRef && joinRef !== this.joinRef()) {
      if (this.socket.hasLogger()) this.socket.log("channel", "dropping outdated message", { topic: topic, event: event, payload: payload, joinRef: joinRef });
      return false;
    }
    return true;
  };
  Channel.prototype.joinRef = function () {
    return this.joinPush.ref;
  };
  Channel.prototype.rejoin = function (timeout) {
    if (this.isLeaving()) return;
    this.socket.leaveOpenTopic(this.topic);
    this.state = CHANNEL_STATES.joining;
    this.joinPush.resend(timeout || this.timeout);
  };
  Channel.prototype.trigger = function (event, payload, ref, joinRef) {
    var handled = this.onMessage(event, payload, ref, joinRef);
    if (payload && !handled) {
      throw new Error("channel onMessage callbacks must return the payload, modified or unmodified");
    }
    var bindings = this.bindings.filter(function (b) { return b.event === event; });
    for (var i = 0; i < bindings.length; i++) {
      bindings[i].callback(handled, ref, joinRef || this.joinRef());
    }
  };
  Channel.prototype.replyEventName = function (ref) {
    return "chan_reply_" + ref;
  };
  Channel.prototype.isClosed = function () { return this.state === CHANNEL_STATES.closed; };
  Channel.prototype.isErrored = function () { return this.state === CHANNEL_STATES.errored; };
  Channel.prototype.isJoined = function () { return this.state === CHANNEL_STATES.joined; };
  Channel.prototype.isJoining = function () { return this.state === CHANNEL_STATES.joining; };
  Channel.prototype.isLeaving = function () { return this.state === CHANNEL_STATES.leaving; };

  // ------------------------------------------------------------ ajax + longpoll

  var Ajax = {
    request: function (method, endPoint, headers, body, timeout, ontimeout, callback) {
      if (globalObject.XMLHttpRequest) {
        var req = new globalObject.XMLHttpRequest();
        return this.xhrRequest(req, method, endPoint, headers, body, timeout, ontimeout, callback);
      }
      if (globalObject.fetch && globalObject.AbortController) {
        return this.fetchRequest(method, endPoint, headers, body, timeout, ontimeout, callback);
      }
      throw new Error("no XMLHttpRequest or fetch to make requests with");
    },
    fetchRequest: function (method, endPoint, headers, body, timeout, ontimeout, callback) {
      var controller = new AbortController();
      var timer = timeout ? setTimeout(function () { controller.abort(); }, timeout) : null;
      globalObject
        .fetch(endPoint, { method: method, headers: headers, body: body, signal: controller.signal })
        .then(function (response) { return response.text(); })
        .then(function (text) {
          clearTimeout(timer);
          if (callback) callback(Ajax.parseJSON(text));
        })
        .catch(function (err) {
          clearTimeout(timer);
          if (err && err.name === "AbortError" && ontimeout) ontimeout();
          else if (callback) callback(null);
        });
      return controller;
    },
    xhrRequest: function (req, method, endPoint, headers, body, timeout, ontimeout, callback) {
      req.open(method, endPoint, true);
      req.timeout = timeout;
      Object.keys(headers).forEach(function (key) { req.setRequestHeader(key, headers[key]); });
      req.onerror = function () { if (callback) callback(null); };
      req.onreadystatechange = function () {
        if (req.readyState === XHR_STATES.complete && callback) callback(Ajax.parseJSON(req.responseText));
      };
      if (ontimeout) req.ontimeout = ontimeout;
      req.send(body);
      return req;
    },
    parseJSON: function (text) {
      if (!text || text === "") return null;
      try {
        return JSON.parse(text);
      } catch (e) {
        return null;
      }
    },
  };

  function arrayBufferToBase64(buffer) {
    var binary = "";
    var bytes = new Uint8Array(buffer);
    for (var i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
    return btoa(binary);
  }

  // A WebSocket-like object over HTTP long polling.
  function LongPoll(endPoint, protocols) {
    if (protocols && protocols.length === 2 && protocols[1].indexOf(AUTH_TOKEN_PREFIX) === 0) {
      this.authToken = atob(protocols[1].slice(AUTH_TOKEN_PREFIX.length));
    }
    this.endPoint = null;
    this.token = null;
    this.skipHeartbeat = true;
    this.reqs = new Set();
    this.awaitingBatchAck = false;
    this.currentBatch = null;
    this.currentBatchTimer = null;
    this.batchBuffer = [];
    this.onopen = function () {};
    this.onerror = function () {};
    this.onmessage = function () {};
    this.onclose = function () {};
    this.pollEndpoint = this.normalizeEndpoint(endPoint);
    this.readyState = SOCKET_STATES.connecting;
    var self = this;
    setTimeout(function () { self.poll(); }, 0);
  }
  LongPoll.prototype.normalizeEndpoint = function (endPoint) {
    return endPoint
      .replace("ws://", "http://")
      .replace("wss://", "https://")
      .replace(new RegExp("(.*)/" + TRANSPORTS.websocket), "$1/" + TRANSPORTS.longpoll);
  };
  LongPoll.prototype.endpointURL = function () {
    return appendParams(this.pollEndpoint, { token: this.token });
  };
  LongPoll.prototype.closeAndRetry = function (code, reason, wasClean) {
    this.close(code, reason, wasClean);
    this.readyState = SOCKET_STATES.connecting;
  };
  LongPoll.prototype.ontimeout = function () {
    this.onerror("timeout");
    this.closeAndRetry(1005, "timeout", false);
  };
  LongPoll.prototype.isActive = function () {
    return this.readyState === SOCKET_STATES.open || this.readyState === SOCKET_STATES.connecting;
  };
  LongPoll.prototype.poll = function () {
    var self = this;
    var headers = { Accept: "application/json" };
    if (this.authToken) headers["X-Phoenix-AuthToken"] = this.authToken;
    this.ajax("GET", headers, null, function () { self.ontimeout(); }, function (resp) {
      var status;
      if (resp) {
        status = resp.status;
        if (resp.token) self.token = resp.token;
      } else {
        status = 0;
      }
      switch (status) {
        case 200:
          resp.messages.forEach(function (msg) {
            setTimeout(function () { self.onmessage({ data: msg }); }, 0);
          });
          self.poll();
          break;
        case 204:
          self.poll();
          break;
        case 410:
          if (self.readyState === SOCKET_STATES.connecting) {
            self.readyState = SOCKET_STATES.open;
            self.onopen({});
            self.poll();
          } else {
            self.onerror(410);
            self.closeAndRetry(3410, "session_gone", false);
          }
          break;
        case 403:
          self.onerror(403);
          self.close(1008, "forbidden", false);
          break;
        case 0:
        case 500:
          self.onerror(500);
          self.closeAndRetry(1011, "internal server error", 500);
          break;
        default:
          throw new Error("unhandled poll status " + status);
      }
    });
  };
  LongPoll.prototype.send = function (body) {
    if (typeof body !== "string") body = arrayBufferToBase64(body);
    var self = this;
    if (this.currentBatch) {
      this.currentBatch.push(body);
    } else if (this.awaitingBatchAck) {
      this.batchBuffer.push(body);
    } else {
      this.currentBatch = [body];
      this.currentBatchTimer = setTimeout(function () {
        self.batchSend(self.currentBatch);
        self.currentBatch = null;
      }, 0);
    }
  };
  LongPoll.prototype.batchSend = function (messages) {
    var self = this;
    this.awaitingBatchAck = true;
    var batch = messages.slice(0, 100);
    var rest = messages.slice(100);
    this.ajax("POST", { "Content-Type": "application/x-ndjson" }, batch.join("\n"), function () {
      self.onerror("timeout");
    }, function (resp) {
      self.awaitingBatchAck = false;
      if (!resp || resp.status !== 200) {
        self.onerror(resp && resp.status);
        self.closeAndRetry(1011, "internal server error", false);
      } else if (rest.length > 0 || self.batchBuffer.length > 0) {
        var next = rest.concat(self.batchBuffer);
        self.batchBuffer = [];
        self.batchSend(next);
      }
    });
  };
  LongPoll.prototype.close = function (code, reason, wasClean) {
    this.reqs.forEach(function (req) { req.abort(); });
    this.reqs.clear();
    var opts = { code: 1000, reason: undefined, wasClean: true };
    if (code) opts.code = code;
    if (reason) opts.reason = reason;
    if (typeof wasClean !== "undefined") opts.wasClean = wasClean;
    this.readyState = SOCKET_STATES.closed;
    var event = typeof CloseEvent !== "undefined" ? new CloseEvent("close", opts) : opts;
    this.onclose(event);
  };
  LongPoll.prototype.ajax = function (method, headers, body, onCallerTimeout, callback) {
    var self = this;
    var req;
    var ontimeout = function () {
      self.reqs.delete(req);
      onCallerTimeout();
    };
    req = Ajax.request(method, this.endpointURL(), headers, body, this.timeout, ontimeout, function (resp) {
      self.reqs.delete(req);
      if (self.isActive()) callback(resp);
    });
    this.reqs.add(req);
  };

  function serializeParams(obj, parentKey) {
    var parts = [];
    Object.keys(obj).forEach(function (key) {
      var value = obj[key];
      if (value === undefined || value === null) return;
      var paramKey = parentKey ? parentKey + "[" + key + "]" : key;
      if (typeof value === "object") parts.push(serializeParams(value, paramKey));
      else parts.push(encodeURIComponent(paramKey) + "=" + encodeURIComponent(value));
    });
    return parts.join("&");
  }

  function appendParams(url, params) {
    if (Object.keys(params).length === 0) return url;
    var prefix = url.match(/\?/) ? "&" : "?";
    return url + prefix + serializeParams(params);
  }

  // ------------------------------------------------------------ socket

  function Socket(endPoint, opts) {
    var self = this;
    opts = opts || {};
    this.stateChangeCallbacks = { open: [], close: [], error: [], message: [] };
    this.channels = [];
    this.sendBuffer = [];
    this.ref = 0;
    this.timeout = opts.timeout || DEFAULT_TIMEOUT;
    this.transport = opts.transport || globalObject.WebSocket || LongPoll;
    this.primaryPassedHealthCheck = false;
    this.longPollFallbackMs = opts.longPollFallbackMs;
    this.fallbackTimer = null;
    this.sessionStore = opts.sessionStorage || (globalObject && globalObject.sessionStorage);
    this.establishedConnections = 0;
    this.defaultEncoder = Serializer.encode.bind(Serializer);
    this.defaultDecoder = Serializer.decode.bind(Serializer);
    this.closeWasClean = false;
    this.disconnecting = false;
    this.binaryType = opts.binaryType || "arraybuffer";
    this.connectClock = 1;
    this.pageHidden = false;
    if (this.transport !== LongPoll) {
      this.encode = opts.encode || this.defaultEncoder;
      this.decode = opts.decode || this.defaultDecoder;
    } else {
      this.encode = this.defaultEncoder;
      this.decode = this.defaultDecoder;
    }
    this.heartbeatIntervalMs = opts.heartbeatIntervalMs || 30000;
    this.rejoinAfterMs = function (tries) {
      if (opts.rejoinAfterMs) return opts.rejoinAfterMs(tries);
      return [1000, 2000, 5000][tries - 1] || 10000;
    };
    this.reconnectAfterMs = function (tries) {
      if (opts.reconnectAfterMs) return opts.reconnectAfterMs(tries);
      return [10, 50, 100, 150, 200, 250, 500, 1000, 2000][tries - 1] || 5000;
    };
    this.logger = opts.logger || null;
    if (!this.logger && opts.debug) {
      this.logger = function (kind, msg, data) { console.log(kind + ": " + msg, data); };
    }
    this.longpollerTimeout = opts.longpollerTimeout || 20000;
    this.params = closure(opts.params || {});
    this.endPoint = endPoint + "/" + TRANSPORTS.websocket;
    this.vsn = opts.vsn || VSN;
    this.heartbeatTimeoutTimer = null;
    this.heartbeatTimer = null;
    this.pendingHeartbeatRef = null;
    this.reconnectTimer = new Timer(function () {
      if (self.pageHidden) return;
      self.teardown(function () { self.connect(); });
    }, this.reconnectAfterMs);
    this.authToken = opts.authToken;
    if (opts.autoConnect) this.connect();
  }

  Socket.prototype.getLongPollTransport = function () { return LongPoll; };
  Socket.prototype.replaceTransport = function (newTransport) {
    this.connectClock++;
    this.closeWasClean = true;
    clearTimeout(this.fallbackTimer);
    this.reconnectTimer.reset();
    if (this.conn) {
      this.conn.close();
      this.conn = null;
    }
    this.transport = newTransport;
  };
  Socket.prototype.protocol = function () {
    return typeof location !== "undefined" && location.protocol.match(/^https/) ? "wss" : "ws";
  };
  Socket.prototype.endPointURL = function () {
    var uri = appendParams(appendParams(this.endPoint, this.params()), { vsn: this.vsn });
    if (uri.charAt(0) !== "/") return uri;
    if (uri.charAt(1) === "/") return this.protocol() + ":" + uri;
    return this.protocol() + "://" + location.host + uri;
  };
  Socket.prototype.disconnect = function (callback, code, reason) {
    this.connectClock++;
    this.disconnecting = true;
    this.closeWasClean = true;
    clearTimeout(this.fallbackTimer);
    this.reconnectTimer.reset();
    var self = this;
    this.teardown(function () {
      self.disconnecting = false;
      if (callback) callback();
    }, code, reason);
  };
  Socket.prototype.connect = function (params) {
    if (params) {
      if (console && console.log) console.log("passing params to connect is deprecated; pass them to the Socket constructor");
      this.params = closure(params);
    }
    if (this.conn && !this.disconnecting) return;
    if (this.longPollFallbackMs && this.transport !== LongPoll) {
      this.connectWithFallback(LongPoll, this.longPollFallbackMs);
    } else {
      this.transportConnect();
    }
  };
  Socket.prototype.log = function (kind, msg, data) {
    if (this.logger) this.logger(kind, msg, data);
  };
  Socket.prototype.hasLogger = function () {
    return this.logger !== null;
  };
  Socket.prototype.onOpen = function (callback) {
    var ref = this.makeRef();
    this.stateChangeCallbacks.open.push([ref, callback]);
    return ref;
  };
  Socket.prototype.onClose = function (callback) {
    var ref = this.makeRef();
    this.stateChangeCallbacks.close.push([ref, callback]);
    return ref;
  };
  Socket.prototype.onError = function (callback) {
    var ref = this.makeRef();
    this.stateChangeCallbacks.error.push([ref, callback]);
    return ref;
  };
  Socket.prototype.onMessage = function (callback) {
    var ref = this.makeRef();
    this.stateChangeCallbacks.message.push([ref, callback]);
    return ref;
  };
  Socket.prototype.ping = function (callback) {
    if (!this.isConnected()) return false;
    var ref = this.makeRef();
    var startTime = Date.now();
    this.push({ topic: "phoenix", event: "heartbeat", payload: {}, ref: ref });
    var self = this;
    var onMsgRef = this.onMessage(function (msg) {
      if (msg.ref === ref) {
        self.off([onMsgRef]);
        callback(Date.now() - startTime);
      }
    });
    return true;
  };
  Socket.prototype.transportConnect = function () {
    var self = this;
    this.connectClock++;
    this.closeWasClean = false;
    var protocols;
    if (this.authToken) {
      var token = typeof this.authToken === "function" ? this.authToken() : this.authToken;
      protocols = ["phoenix", AUTH_TOKEN_PREFIX + btoa(token).replace(/=/g, "")];
    }
    this.conn = new this.transport(this.endPointURL(), protocols);
    this.conn.binaryType = this.binaryType;
    this.conn.timeout = this.longpollerTimeout;
    this.conn.onopen = function () { self.onConnOpen(); };
    this.conn.onerror = function (error) { self.onConnError(error); };
    this.conn.onmessage = function (event) { self.onConnMessage(event); };
    this.conn.onclose = function (event) { self.onConnClose(event); };
  };
  Socket.prototype.getSession = function (key) {
    return this.sessionStore && this.sessionStore.getItem(key);
  };
  Socket.prototype.storeSession = function (key, value) {
    if (this.sessionStore) this.sessionStore.setItem(key, value);
  };
  Socket.prototype.connectWithFallback = function (fallbackTransport, fallbackThreshold) {
    var self = this;
    clearTimeout(this.fallbackTimer);
    var established = false;
    var primaryTransport = true;
    var openRef;
    var errorRef;
    var fallback = function (reason) {
      self.log("transport", "falling back to " + fallbackTransport.name, reason);
      self.off([openRef, errorRef]);
      primaryTransport = false;
      self.replaceTransport(fallbackTransport);
      self.transportConnect();
    };
    if (this.getSession(FALLBACK_KEY)) return fallback("memorized");
    this.fallbackTimer = setTimeout(fallback, fallbackThreshold);
    errorRef = this.onError(function (reason) {
      self.log("transport", "error", reason);
      if (primaryTransport && !established) {
        clearTimeout(self.fallbackTimer);
        fallback(reason);
      }
    });
    this.onOpen(function () {
      established = true;
      if (!primaryTransport) {
        if (!self.primaryPassedHealthCheck) self.storeSession(FALLBACK_KEY, "true");
        return self.log("transport", "established " + fallbackTransport.name + " fallback");
      }
      clearTimeout(self.fallbackTimer);
      self.fallbackTimer = setTimeout(fallback, fallbackThreshold);
      self.ping(function (rtt) {
        self.log("transport", "connected to primary after " + rtt);
        self.primaryPassedHealthCheck = true;
        clearTimeout(self.fallbackTimer);
      });
    });
    this.transportConnect();
  };
  Socket.prototype.clearHeartbeats = function () {
    clearTimeout(this.heartbeatTimer);
    clearTimeout(this.heartbeatTimeoutTimer);
  };
  Socket.prototype.onConnOpen = function () {
    this.log("transport", "connected to " + this.endPointURL());
    this.closeWasClean = false;
    this.disconnecting = false;
    this.establishedConnections++;
    this.flushSendBuffer();
    this.reconnectTimer.reset();
    this.resetHeartbeat();
    this.stateChangeCallbacks.open.forEach(function (entry) { entry[1](); });
  };
  Socket.prototype.heartbeatTimeout = function () {
    if (this.pendingHeartbeatRef) {
      this.pendingHeartbeatRef = null;
      this.log("transport", "heartbeat timeout. Attempting to re-establish connection");
      this.triggerChanError({ source: "transport", reason: "heartbeat_timeout" });
      this.closeWasClean = false;
      var self = this;
      this.teardown(function () { self.reconnectTimer.scheduleTimeout(); }, WS_CLOSE_NORMAL, "heartbeat timeout");
    }
  };
  Socket.prototype.resetHeartbeat = function () {
    if (this.conn && this.conn.skipHeartbeat) return;
    this.pendingHeartbeatRef = null;
    this.clearHeartbeats();
    var self = this;
    this.heartbeatTimer = setTimeout(function () { self.sendHeartbeat(); }, this.heartbeatIntervalMs);
  };
  Socket.prototype.teardown = function (callback, code, reason) {
    if (!this.conn) return callback && callback();
    var connectClock = this.connectClock;
    var self = this;
    this.waitForBufferDone(function () {
      if (connectClock !== self.connectClock) return;
      if (self.conn) {
        if (code) self.conn.close(code, reason || "");
        else self.conn.close();
      }
      self.waitForSocketClosed(function () {
        if (connectClock !== self.connectClock) return;
        if (self.conn) {
          self.conn.onopen = function () {};
          self.conn.onerror = function () {};
          self.conn.onmessage = function () {};
          self.conn.onclose = function () {};
          self.conn = null;
        }
        if (callback) callback();
      });
    });
  };
  Socket.prototype.waitForBufferDone = function (callback, tries) {
    tries = tries || 1;
    var self = this;
    if (tries === 5 || !this.conn || !this.conn.bufferedAmount) return callback();
    setTimeout(function () { self.waitForBufferDone(callback, tries + 1); }, 150 * tries);
  };
  Socket.prototype.waitForSocketClosed = function (callback, tries) {
    tries = tries || 1;
    var self = this;
    if (tries === 5 || !this.conn || this.conn.readyState === SOCKET_STATES.closed) return callback();
    setTimeout(function () { self.waitForSocketClosed(callback, tries + 1); }, 150 * tries);
  };
  Socket.prototype.onConnClose = function (event) {
    var closeCode = event && event.code;
    this.log("transport", "close", event);
    this.triggerChanError({ source: "transport", reason: "connection_closed" });
    this.clearHeartbeats();
    if (!this.closeWasClean && closeCode !== WS_CLOSE_NORMAL) this.reconnectTimer.scheduleTimeout();
    this.stateChangeCallbacks.close.forEach(function (entry) { entry[1](event); });
  };
  Socket.prototype.onConnError = function (error) {
    this.log("transport", "error", error);
    var transportBefore = this.transport;
    var establishedBefore = this.establishedConnections;
    this.stateChangeCallbacks.error.forEach(function (entry) { entry[1](error, transportBefore, establishedBefore); });
    if (transportBefore === this.transport || establishedBefore > 0) {
      this.triggerChanError({ source: "transport", reason: "connection_error" });
    }
  };
  Socket.prototype.triggerChanError = function (reason) {
    this.channels.forEach(function (channel) {
      if (!(channel.isErrored() || channel.isLeaving() || channel.isClosed())) {
        channel.trigger(CHANNEL_EVENTS.error, reason);
      }
    });
  };
  Socket.prototype.connectionState = function () {
    switch (this.conn && this.conn.readyState) {
      case SOCKET_STATES.connecting: return "connecting";
      case SOCKET_STATES.open: return "open";
      case SOCKET_STATES.closing: return "closing";
      default: return "closed";
    }
  };
  Socket.prototype.isConnected = function () {
    return this.connectionState() === "open";
  };
  Socket.prototype.remove = function (channel) {
    this.off(channel.stateChangeRefs);
    this.channels = this.channels.filter(function (c) { return c !== channel; });
  };
  Socket.prototype.off = function (refs) {
    var kinds = this.stateChangeCallbacks;
    Object.keys(kinds).forEach(function (key) {
      kinds[key] = kinds[key].filter(function (entry) { return refs.indexOf(entry[0]) === -1; });
    });
  };
  Socket.prototype.channel = function (topic, chanParams) {
    var chan = new Channel(topic, chanParams || {}, this);
    this.channels.push(chan);
    return chan;
  };
  Socket.prototype.push = function (data) {
    var self = this;
    if (this.hasLogger()) this.log("push", data.topic + " " + data.event + " (" + data.join_ref + ", " + data.ref + ")", data.payload);
    if (this.isConnected()) {
      this.encode(data, function (result) { self.conn.send(result); });
    } else {
      this.sendBuffer.push(function () {
        self.encode(data, function (result) { self.conn.send(result); });
      });
    }
  };
  Socket.prototype.makeRef = function () {
    var newRef = this.ref + 1;
    this.ref = newRef === this.ref ? 0 : newRef;
    return this.ref.toString();
  };
  Socket.prototype.sendHeartbeat = function () {
    if (this.pendingHeartbeatRef && !this.isConnected()) return;
    this.pendingHeartbeatRef = this.makeRef();
    this.push({ topic: "phoenix", event: "heartbeat", payload: {}, ref: this.pendingHeartbeatRef });
    var self = this;
    this.heartbeatTimeoutTimer = setTimeout(function () { self.heartbeatTimeout(); }, this.heartbeatIntervalMs);
  };
  Socket.prototype.flushSendBuffer = function () {
    if (this.isConnected() && this.sendBuffer.length > 0) {
      this.sendBuffer.forEach(function (callback) { callback(); });
      this.sendBuffer = [];
    }
  };
  Socket.prototype.onConnMessage = function (rawMessage) {
    var self = this;
    this.decode(rawMessage.data, function (msg) {
      var topic = msg.topic, event = msg.event, payload = msg.payload, ref = msg.ref, joinRef = msg.join_ref;
      if (ref && ref === self.pendingHeartbeatRef) {
        self.clearHeartbeats();
        self.pendingHeartbeatRef = null;
        self.heartbeatTimer = setTimeout(function () { self.sendHeartbeat(); }, self.heartbeatIntervalMs);
      }
      if (self.hasLogger()) self.log("receive", (payload && payload.status || "") + " " + topic + " " + event + " " + (ref ? "(" + ref + ")" : ""), payload);
      for (var i = 0; i < self.channels.length; i++) {
        var channel = self.channels[i];
        if (!channel.isMember(topic, event, payload, joinRef)) continue;
        channel.trigger(event, payload, ref, joinRef);
      }
      self.stateChangeCallbacks.message.forEach(function (entry) { entry[1](msg); });
    });
  };
  Socket.prototype.leaveOpenTopic = function (topic) {
    var dupChannel = this.channels.find(function (c) {
      return c.topic === topic && (c.isJoined() || c.isJoining());
    });
    if (dupChannel) {
      if (this.hasLogger()) this.log("transport", "leaving duplicate topic \"" + topic + "\"");
      dupChannel.leave();
    }
  };

  // ------------------------------------------------------------ seed API (Phoenix 0.7)

  // The seed's channel object: `on`, `off`, `send`, `trigger` (local), `leave`.
  function LegacyChannel(channel) {
    this.channel = channel;
    this.channelName = channel.topic.split(":")[0];
    this.topic = channel.topic.slice(this.channelName.length + 1);
    this.bindings = [];
  }
  LegacyChannel.prototype.on = function (event, callback) {
    var ref = this.channel.on(event, function (payload) { callback(payload); });
    this.bindings.push({ event: event, ref: ref, callback: callback });
  };
  LegacyChannel.prototype.off = function (event) {
    this.channel.off(event);
    this.bindings = this.bindings.filter(function (b) { return b.event !== event; });
  };
  LegacyChannel.prototype.send = function (event, payload) {
    this.channel.push(event, payload || {});
  };
  LegacyChannel.prototype.trigger = function (event, message) {
    this.bindings
      .filter(function (b) { return b.event === event; })
      .forEach(function (b) { b.callback(message); });
  };
  LegacyChannel.prototype.leave = function () {
    return this.channel.leave();
  };
  LegacyChannel.prototype.reset = function () {
    var channel = this.channel;
    this.bindings.forEach(function (b) { channel.off(b.event, b.ref); });
    this.bindings = [];
  };

  // `socket.join("rooms", "lobby", params, callback)`: joins wire topic
  // `rooms:lobby`, connecting the socket if needed; `callback(channel)` runs
  // on every successful join and rejoin, with the bindings cleared each time.
  Socket.prototype.join = function (channelName, topic, params, callback) {
    if (typeof params === "function") {
      callback = params;
      params = {};
    }
    var channel = this.channel(channelName + ":" + topic, params || {});
    var legacy = new LegacyChannel(channel);
    this.legacyChannels = this.legacyChannels || [];
    this.legacyChannels.push(legacy);
    channel.join().receive("ok", function (response) {
      legacy.reset();
      if (callback) callback(legacy);
      legacy.trigger("join", response);
    });
    if (!this.conn) this.connect();
    return legacy;
  };

  // `socket.leave("rooms", "lobby")`.
  Socket.prototype.leave = function (channelName, topic) {
    var wire = channelName + ":" + topic;
    (this.legacyChannels || [])
      .filter(function (l) { return l.channel.topic === wire; })
      .forEach(function (l) { l.leave(); });
    this.legacyChannels = (this.legacyChannels || []).filter(function (l) { return l.channel.topic !== wire; });
  };

  // ------------------------------------------------------------ presence

  function clone(obj) {
    return JSON.parse(JSON.stringify(obj));
  }

  function hasKey(obj, key) {
    return Object.prototype.hasOwnProperty.call(obj, key);
  }

  function Presence(channel, opts) {
    var self = this;
    opts = opts || {};
    var events = opts.events || { state: "presence_state", diff: "presence_diff" };
    this.state = Object.create(null);
    this.pendingDiffs = [];
    this.channel = channel;
    this.joinRef = null;
    this.caller = {
      onJoin: function () {},
      onLeave: function () {},
      onSync: function () {},
    };
    this.channel.on(events.state, function (newState) {
      var callbacks = self.caller;
      self.joinRef = self.channel.joinRef();
      self.state = Presence.syncState(self.state, newState, callbacks.onJoin, callbacks.onLeave);
      self.pendingDiffs.forEach(function (diff) {
        self.state = Presence.syncDiff(self.state, diff, callbacks.onJoin, callbacks.onLeave);
      });
      self.pendingDiffs = [];
      callbacks.onSync();
    });
    this.channel.on(events.diff, function (diff) {
      var callbacks = self.caller;
      if (self.inPendingSyncState()) {
        self.pendingDiffs.push(diff);
      } else {
        self.state = Presence.syncDiff(self.state, diff, callbacks.onJoin, callbacks.onLeave);
        callbacks.onSync();
      }
    });
  }
  Presence.prototype.onJoin = function (callback) { this.caller.onJoin = callback; };
  Presence.prototype.onLeave = function (callback) { this.caller.onLeave = callback; };
  Presence.prototype.onSync = function (callback) { this.caller.onSync = callback; };
  Presence.prototype.list = function (by) { return Presence.list(this.state, by); };
  Presence.prototype.inPendingSyncState = function () {
    return !this.joinRef || this.joinRef !== this.channel.joinRef();
  };

  Presence.syncState = function (currentState, newState, onJoin, onLeave) {
    var state = Object.assign(Object.create(null), clone(currentState));
    var joins = Object.create(null);
    var leaves = Object.create(null);
    Object.keys(state).forEach(function (key) {
      if (!hasKey(newState, key)) leaves[key] = state[key];
    });
    Object.keys(newState).forEach(function (key) {
      var newPresence = newState[key];
      var currentPresence = state[key];
      if (currentPresence) {
        var newRefs = newPresence.metas.map(function (m) { return m.phx_ref; });
        var curRefs = currentPresence.metas.map(function (m) { return m.phx_ref; });
        var joinedMetas = newPresence.metas.filter(function (m) { return curRefs.indexOf(m.phx_ref) < 0; });
        var leftMetas = currentPresence.metas.filter(function (m) { return newRefs.indexOf(m.phx_ref) < 0; });
        if (joinedMetas.length > 0) {
          joins[key] = clone(newPresence);
          joins[key].metas = joinedMetas;
        }
        if (leftMetas.length > 0) {
          leaves[key] = clone(currentPresence);
          leaves[key].metas = leftMetas;
        }
      } else {
        joins[key] = newPresence;
      }
    });
    return Presence.syncDiff(state, { joins: joins, leaves: leaves }, onJoin, onLeave);
  };

  Presence.syncDiff = function (state, diff, onJoin, onLeave) {
    var joins = clone(diff.joins || {});
    var leaves = clone(diff.leaves || {});
    onJoin = onJoin || function () {};
    onLeave = onLeave || function () {};
    Object.keys(joins).forEach(function (key) {
      var newPresence = joins[key];
      var currentPresence = hasKey(state, key) ? state[key] : undefined;
      state[key] = clone(newPresence);
      if (currentPresence) {
        var joinedRefs = state[key].metas.map(function (m) { return m.phx_ref; });
        var curMetas = currentPresence.metas.filter(function (m) { return joinedRefs.indexOf(m.phx_ref) < 0; });
        state[key].metas.unshift.apply(state[key].metas, curMetas);
      }
      onJoin(key, currentPresence, newPresence);
    });
    Object.keys(leaves).forEach(function (key) {
      var leftPresence = leaves[key];
      var currentPresence = hasKey(state, key) ? state[key] : undefined;
      if (!currentPresence) return;
      var refsToRemove = leftPresence.metas.map(function (m) { return m.phx_ref; });
      currentPresence.metas = currentPresence.metas.filter(function (p) { return refsToRemove.indexOf(p.phx_ref) < 0; });
      onLeave(key, currentPresence, leftPresence);
      if (currentPresence.metas.length === 0) delete state[key];
    });
    return state;
  };

  Presence.list = function (presences, chooser) {
    chooser = chooser || function (key, pres) { return pres; };
    return Object.keys(presences).map(function (key) { return chooser(key, presences[key]); });
  };

  // ------------------------------------------------------------ exports

  // The classic-script `Phoenix.Socket` connects at once when used the seed's
  // way (`new Phoenix.Socket("/ws")`), and `connect()` afterwards is a no-op.
  function ScriptSocket(endPoint, opts) {
    opts = opts || {};
    if (opts.autoConnect === undefined) opts = Object.assign({}, opts, { autoConnect: true });
    Socket.call(this, endPoint, opts);
  }
  ScriptSocket.prototype = Object.create(Socket.prototype);
  ScriptSocket.prototype.constructor = ScriptSocket;

  var api = {
    Channel: Channel,
    LongPoll: LongPoll,
    Presence: Presence,
    Serializer: Serializer,
    Socket: Socket,
    ScriptSocket: ScriptSocket,
    Ajax: Ajax,
  };
  root.Phoenix = Object.assign({}, api, { Socket: ScriptSocket, ModuleSocket: Socket });
  root.PhoenixModule = api;
})(typeof window !== "undefined" ? window : globalThis);
