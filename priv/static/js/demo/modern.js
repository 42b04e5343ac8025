// The /modern page: the modern JavaScript API (ES module).
import { Socket } from "/js/phoenix.mjs";
const log = document.getElementById("log");
const line = (text) => { const li = document.createElement("li"); li.textContent = text; log.appendChild(li); };
const socket = new Socket("/socket", { params: { user: "modern" } });
socket.connect();
const channel = socket.channel("room:lobby", {});
channel.on("new_msg", (message) => line(`${message.user}: ${message.body}`));
channel.join()
  .receive("ok", () => {
    line("joined room:lobby");
    channel.push("ping", { n: 1 }).receive("ok", (reply) => line(`ping replied ${JSON.stringify(reply)}`));
    channel.push("new_msg", { body: "sent with channel.push" });
  })
  .receive("error", (reason) => line(`join refused: ${JSON.stringify(reason)}`));
