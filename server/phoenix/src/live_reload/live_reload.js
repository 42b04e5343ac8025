// Phoenix-style live reload client, injected into HTML pages in development
// by phoenix::live_reload. Standalone: no dependency, no build step.
//
// It joins the `phoenix:live_reload` channel over a WebSocket (Channels V2
// JSON protocol, vsn=2.0.0) and reacts to:
//   assets_change {asset_type: "css"}  -> reload stylesheets in place
//   assets_change {asset_type: other}  -> location.reload()
//   compile_error {output, build}      -> show #phx-live-reload-error
//   building {build}                   -> small "rebuilding" badge
//   compile_ok {build}                 -> remove the overlay and the badge
// The join reply carries {boot}: the server process's random id. After a
// reconnect, a boot id different from the first one seen means the server
// was restarted with new code: the page reloads.
(function () {
  "use strict";
  if (window.__phxLiveReload) return;
  var script = document.currentScript;
  var socketPath =
    (script && script.getAttribute("data-socket")) || "/phoenix/live_reload/socket";
  var TOPIC = "phoenix:live_reload";
  var ERROR_ID = "phx-live-reload-error";
  var BUILDING_ID = "phx-live-reload-building";
  var state = { boot: null, ws: null, ref: 0, joinRef: null, retries: 0, heartbeat: null };
  window.__phxLiveReload = state;

  function log(text) {
    if (window.console && console.debug) console.debug("[live reload] " + text);
  }

  function stripAnsi(text) {
    // CSI sequences (colours) and OSC sequences (hyperlinks).
    return String(text || "")
      .replace(/\u001b\][^\u0007\u001b]*(\u0007|\u001b\\)/g, "")
      .replace(/\u001b\[[0-9;?]*[ -\/]*[@-~]/g, "");
  }

  function removeById(id) {
    var el = document.getElementById(id);
    if (el && el.parentNode) el.parentNode.removeChild(el);
  }

  function showError(payload) {
    removeById(BUILDING_ID);
    var box = document.getElementById(ERROR_ID);
    if (!box) {
      box = document.createElement("div");
      box.id = ERROR_ID;
      box.setAttribute("role", "alert");
      box.style.cssText =
        "position:fixed;top:0;left:0;right:0;bottom:0;z-index:2147483647;" +
        "overflow:auto;margin:0;padding:24px 32px;box-sizing:border-box;" +
        "background:rgba(24,24,27,0.97);color:#f4f4f5;text-align:left;" +
        "font:13px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;";
      var title = document.createElement("div");
      title.className = "phx-live-reload-error-title";
      title.style.cssText = "color:#f87171;font-weight:bold;font-size:15px;margin-bottom:12px;";
      var close = document.createElement("button");
      close.type = "button";
      close.textContent = "\u00d7";
      close.title = "Hide (it comes back with the next error)";
      close.style.cssText =
        "position:absolute;top:12px;right:16px;background:none;border:0;" +
        "color:#a1a1aa;font-size:22px;cursor:pointer;";
      close.onclick = function () { removeById(ERROR_ID); };
      var pre = document.createElement("pre");
      pre.className = "phx-live-reload-error-output";
      pre.style.cssText =
        "margin:0;white-space:pre-wrap;word-break:break-word;font:inherit;color:inherit;";
      box.appendChild(close);
      box.appendChild(title);
      box.appendChild(pre);
      (document.body || document.documentElement).appendChild(box);
    }
    var build = payload && payload.build != null ? " (build " + payload.build + ")" : "";
    box.querySelector(".phx-live-reload-error-title").textContent =
      "Compilation failed" + build + ": the server keeps running the previous code";
    box.querySelector(".phx-live-reload-error-output").textContent = stripAnsi(
      payload && payload.output
    );
  }

  function showBuilding(payload) {
    if (document.getElementById(BUILDING_ID)) return;
    var badge = document.createElement("div");
    badge.id = BUILDING_ID;
    badge.textContent = "Rebuilding\u2026";
    badge.style.cssText =
      "position:fixed;right:12px;bottom:12px;z-index:2147483646;padding:4px 10px;" +
      "border-radius:4px;background:#27272a;color:#fafafa;opacity:0.85;" +
      "font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;pointer-events:none;";
    (document.body || document.documentElement).appendChild(badge);
  }

  function reloadStylesheets() {
    var links = document.querySelectorAll('link[rel~="stylesheet"][href]');
    for (var i = 0; i < links.length; i++) {
      var link = links[i];
      var href = link.getAttribute("href")
        .replace(/([?&])phx_lr=\d+(&|$)/, function (_, sep, end) { return end ? sep : ""; })
        .replace(/[?&]$/, "");
      link.setAttribute(
        "href",
        href + (href.indexOf("?") >= 0 ? "&" : "?") + "phx_lr=" + Date.now()
      );
    }
    log("stylesheets reloaded");
  }

  function reload(why) {
    log("reloading: " + why);
    window.location.reload();
  }

  function send(ws, frame) {
    if (ws.readyState === 1) ws.send(JSON.stringify(frame));
  }

  function onMessage(event) {
    var msg;
    try { msg = JSON.parse(event.data); } catch (e) { return; }
    if (!Array.isArray(msg) || msg.length !== 5) return;
    var ref = msg[1], topic = msg[2], name = msg[3], payload = msg[4] || {};
    if (topic !== TOPIC) return;
    if (name === "phx_reply" && ref === state.joinRef) {
      if (payload.status !== "ok") return;
      state.retries = 0;
      var boot = payload.response && payload.response.boot;
      if (state.boot === null) {
        state.boot = boot;
        log("joined (boot " + boot + ")");
      } else if (boot !== state.boot) {
        reload("the server restarted with new code");
      }
      return;
    }
    switch (name) {
      case "assets_change":
        if (payload.asset_type === "css") reloadStylesheets();
        else reload(payload.asset_type + " changed");
        break;
      case "compile_error":
        showError(payload);
        break;
      case "building":
        showBuilding(payload);
        break;
      case "compile_ok":
        removeById(ERROR_ID);
        removeById(BUILDING_ID);
        break;
      case "phx_error":
      case "phx_close":
        // The channel went away on a live connection: rejoin.
        join(state.ws);
        break;
    }
  }

  function join(ws) {
    state.ref += 1;
    state.joinRef = String(state.ref);
    send(ws, [state.joinRef, state.joinRef, TOPIC, "phx_join", {}]);
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    var url = scheme + "//" + window.location.host + socketPath + "/websocket?vsn=2.0.0";
    var ws;
    try { ws = new WebSocket(url); } catch (e) { return retry(); }
    state.ws = ws;
    ws.onopen = function () {
      join(ws);
      clearInterval(state.heartbeat);
      state.heartbeat = setInterval(function () {
        state.ref += 1;
        send(ws, [null, String(state.ref), "phoenix", "heartbeat", {}]);
      }, 30000);
    };
    ws.onmessage = onMessage;
    ws.onclose = function () {
      clearInterval(state.heartbeat);
      if (state.ws === ws) retry();
    };
    ws.onerror = function () { /* onclose follows */ };
  }

  function retry() {
    // While the server restarts: quick tries first, then every 2 s.
    var delays = [100, 250, 500, 1000, 2000];
    var delay = delays[Math.min(state.retries, delays.length - 1)];
    state.retries += 1;
    setTimeout(connect, delay);
  }

  connect();
})();
