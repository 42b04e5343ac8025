// The page's JavaScript: joins `room:lobby` over the socket at /socket
// (phoenix.js, loaded before this file, defines window.Phoenix).
(function () {
  "use strict";
  var state = document.getElementById("room-state");
  var list = document.getElementById("messages");
  var form = document.getElementById("shout");
  if (!state || !list || !form) return;

  function show(text, name) {
    state.dataset.state = name;
    state.textContent = text;
  }

  var socket = new Phoenix.Socket("/socket", { params: { user: "visitor" } });
  socket.onError(function () { show("disconnected", "closed"); });
  socket.connect();

  var channel = socket.channel("room:lobby", {});
  channel.on("shout", function (message) {
    var item = document.createElement("li");
    item.textContent = message.user + ": " + message.body;
    list.appendChild(item);
  });
  channel.join()
    .receive("ok", function () { show("joined", "joined"); })
    .receive("error", function (reason) { show("refused: " + JSON.stringify(reason), "closed"); });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var input = document.getElementById("shout-body");
    var body = input.value.trim();
    if (body === "") return;
    channel.push("shout", { body: body });
    input.value = "";
  });
})();
