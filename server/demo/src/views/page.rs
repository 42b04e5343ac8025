//! `PageView`: the seed's view example, with `display` and `render("show.json")`.

use serde::Serialize;

use super::base::*;

/// Pages.
#[derive(Default)]
pub struct PageView;

/// The chat's markup, shared by the phoenix.js and the wasm pages.
fn chat_box(room: &str) -> Markup {
    html! {
        section.chat {
            header.chat-head {
                h1 { "Room " (room) }
                span #state.state data-state="connecting" { "connecting…" }
            }
            div.chat-body {
                ol #messages.messages aria-live="polite" {}
                aside.people {
                    h2 { "Here now" }
                    ul #presence {}
                }
            }
            form #composer.composer autocomplete="off" {
                input #body type="text" placeholder="Say something…" maxlength="500" aria-label="Message";
                button type="submit" { "Send" }
            }
        }
    }
}

const WASM_JS: &str = r#"
import init from "/wasm/phoenix_wasm_chat.js";
init().catch((error) => {
  const state = document.getElementById("state");
  state.dataset.state = "closed";
  state.textContent = "the wasm client is not built: run bash .ci/test-all.sh";
  console.error(error);
});
"#;

const SEED_JS: &str = r#"
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
"#;

const MODERN_JS: &str = r#"
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
"#;

const CHAT_JS: &str = r#"
(function () {
  var user = document.getElementById("user").value ||
    sessionStorage.getItem("chat:user") ||
    "guest-" + Math.floor(1000 + Math.random() * 9000);
  sessionStorage.setItem("chat:user", user);
  var state = document.getElementById("state");
  var list = document.getElementById("messages");
  var people = document.getElementById("presence");
  var room = document.getElementById("room").value || "lobby";
  var socket = new Phoenix.Socket("/socket", { params: { user: user }, longPollFallbackMs: 2500 });
  var presence = {};
  function setState(name, text) { state.dataset.state = name; state.textContent = text; }
  function renderPresence() {
    people.innerHTML = "";
    Object.keys(presence).sort().forEach(function (name) {
      var li = document.createElement("li");
      li.textContent = name + (name === user ? " (you)" : "");
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
    var transport = socket.transport === Phoenix.LongPoll ? " (long polling)" : "";
    setState("open", "connected as " + user + transport);
  }
  socket.onOpen(connected);
  socket.onClose(function () { setState("closed", "reconnecting…"); });
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
    .receive("error", function (r) { setState("closed", "could not join: " + (r.reason || "error")); });
  document.getElementById("composer").addEventListener("submit", function (event) {
    event.preventDefault();
    var input = document.getElementById("body");
    var body = input.value.trim();
    if (!body) return;
    channel.push("new_msg", { body: body });
    input.value = "";
  });
})();
"#;

/// The seed's `display(something)`.
pub fn display(something: &str) -> String {
    something.to_uppercase()
}

impl View for PageView {
    fn name(&self) -> &'static str {
        "page"
    }
}

/// The seed's `index.html` with its `message`.
pub fn index(_conn: &Conn, message: &str) -> Markup {
    html! {
        section.hero {
            h1 { (title()) }
            p.lead { "The message is " strong { (display(message)) } "." }
            p { "Every page here is a piece of the Phoenix 0.7 README, rebuilt in Rust." }
        }
        section.cards {
            article.card {
                h2 { "Routing" }
                ul {
                    li { a href=(page_path::show("about")) { "A page" } " · " a href=(page_path::show("admin")) { "an admin page" } " (redirects)" }
                    li { a href=(file_path::show("docs/guide/intro.md")) { "A glob route" } }
                    li { a href=(user_path::index()) { "Users" } ", with nested comments" }
                }
            }
            article.card {
                h2 { "Formats" }
                ul {
                    li { a href=(page_path::show("about").query([("format", "json")])) { "A page as JSON" } }
                    li { a href=(api_user_path::index()) { "The JSON API" } }
                    li { a href="/sitemap.xml" { "The sitemap" } }
                }
            }
            article.card {
                h2 { "Layouts and errors" }
                ul {
                    li { a href="/plain" { "The plain layout" } " · " a href="/bare" { "no layout" } }
                    li { a href="/no/such/page" { "A 404 page" } " · " a href="/crash" { "a crash" } }
                    li { a href="/session" { "The session" } }
                }
            }
        }
    }
}

/// A page of the seed's `show` action.
pub fn show(_conn: &Conn, title: &str, url: &str) -> Markup {
    html! {
        h1 { (title) }
        p { "This page's full URL is " code { (url) } "." }
        p { a href=(page_path::show("about").query([("format", "json")])) { "See it as JSON" } }
    }
}

/// The seed's `def render("show.json", %{page: page})`.
#[derive(Debug, Serialize)]
pub struct PageJson {
    /// The page's title.
    pub title: String,
    /// Its full URL.
    pub url: String,
}

/// The chat on phoenix.js.
pub fn chat(_conn: &Conn, user: &str, room: &str) -> Markup {
    html! {
        (chat_box(room))
        input #user type="hidden" value=(user);
        input #room type="hidden" value=(room);
        script src="/js/phoenix.js" {}
        script { (PreEscaped(CHAT_JS)) }
    }
}

/// The same chat, run by the Rust client compiled to wasm.
pub fn wasm(_conn: &Conn, user: &str) -> Markup {
    html! {
        (chat_box("lobby"))
        input #user type="hidden" value=(user);
        script type="module" { (PreEscaped(WASM_JS)) }
    }
}

/// The seed's JavaScript API at work.
pub fn seed_api(_conn: &Conn) -> Markup {
    html! {
        h1 { "The seed's JavaScript API" }
        p { "This page uses " code { "socket.join(\"room\", \"lobby\", params, callback)" } " from Phoenix 0.7 on " code { "/ws" } "." }
        ol #log.log {}
        script src="/js/phoenix.js" {}
        script { (PreEscaped(SEED_JS)) }
    }
}

/// The modern JavaScript API at work.
pub fn modern_api(_conn: &Conn) -> Markup {
    html! {
        h1 { "The modern JavaScript API" }
        p { "This page imports " code { "/js/phoenix.mjs" } " and uses " code { "socket.channel(...).join()" } "." }
        ol #log.log {}
        script type="module" { (PreEscaped(MODERN_JS)) }
    }
}
