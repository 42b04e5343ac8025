// The /chat page: the live chat on phoenix.js (a plain script after
// /js/phoenix.js). Its user, token and room come from hidden inputs the
// server renders; a strict Content-Security-Policy allows no inline script.
(function () {
  // The server chose the user and signed a token for it: the socket
  // trusts the token, not a name the page would send.
  var user = document.getElementById("user").value;
  var token = document.getElementById("user-token").value;
  var state = document.getElementById("state");
  var list = document.getElementById("messages");
  var people = document.getElementById("presence");
  var room = document.getElementById("room").value || "lobby";
  var i18n = JSON.parse(document.querySelector(".chat").dataset.i18n || "{}");
  function say(key, fallback, values) {
    var text = i18n[key] || fallback;
    Object.keys(values || {}).forEach(function (k) { text = text.split("{" + k + "}").join(values[k]); });
    return text;
  }
  var socket = new Phoenix.Socket("/socket", { params: { user_token: token }, longPollFallbackMs: 2500 });
  var presence = {};
  function setState(name, text) { state.dataset.state = name; state.textContent = text; }
  function renderPresence() {
    people.innerHTML = "";
    Object.keys(presence).sort().forEach(function (name) {
      var li = document.createElement("li");
      li.textContent = name + (name === user ? " " + say("you", "(you)") : "");
      people.appendChild(li);
    });
  }
  function add(who, body) {
    var li = document.createElement("li");
    var time = new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    li.innerHTML = "<span class=who></span><time></time><p></p>";
    li.querySelector(".who").textContent = who;
    li.querySelector("time").textContent = time;
    li.querySelector("p").textContent = body;
    if (who === user) li.className = "mine";
    list.appendChild(li);
    list.scrollTop = list.scrollHeight;
  }
  function connected() {
    var transport = socket.transport === Phoenix.LongPoll ? " " + say("longPolling", "(long polling)") : "";
    setState("open", say("connectedAs", "connected as {user}", { user: user }) + transport);
  }
  socket.onOpen(connected);
  socket.onClose(function () { setState("closed", say("reconnecting", "reconnecting…")); });
  socket.connect();
  var channel = socket.channel("room:" + room, {});
  channel.on("new_msg", function (msg) { add(msg.user, msg.body); });
  channel.on("presence_state", function (state) {
    presence = {};
    Object.keys(state).forEach(function (k) { presence[k] = state[k].metas.length; });
    renderPresence();
  });
  channel.on("presence_diff", function (diff) {
    Object.keys(diff.joins).forEach(function (k) { presence[k] = (presence[k] || 0) + diff.joins[k].metas.length; });
    Object.keys(diff.leaves).forEach(function (k) {
      presence[k] = (presence[k] || 0) - diff.leaves[k].metas.length;
      if (presence[k] <= 0) delete presence[k];
    });
    renderPresence();
  });
  channel.join()
    .receive("ok", connected)
    .receive("error", function (r) { setState("closed", say("couldNotJoin", "could not join: {reason}", { reason: r.reason || "error" })); });
  document.getElementById("composer").addEventListener("submit", function (event) {
    event.preventDefault();
    var input = document.getElementById("body");
    var body = input.value.trim();
    if (!body) return;
    channel.push("new_msg", { body: body });
    input.value = "";
  });
})();
