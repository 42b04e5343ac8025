// The /seed page: the seed README's JavaScript API (phoenix.js's global
// `Phoenix`, `socket.join(topic, subtopic, params, callback)`).
(function () {
  var log = document.getElementById("log");
  function line(text) { var li = document.createElement("li"); li.textContent = text; log.appendChild(li); }
  var socket = new Phoenix.Socket("/ws", { params: { user: "seed" } });
  socket.join("room", "lobby", {}, function (channel) {
    line("joined room:lobby");
    channel.on("echo_back", function (message) { line("local trigger: " + message.text); });
    channel.on("new_msg", function (message) { line(message.user + ": " + message.body); });
    channel.trigger("echo_back", { text: "hello" });
    channel.send("new_msg", { body: "sent with channel.send" });
  });
})();
