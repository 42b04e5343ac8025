//! The `/wasm` chat page: joins `room:lobby` with the Rust client, shows
//! messages and who is here, and sends what the person types. It talks to
//! the same channel as the phoenix.js chat at `/chat`.

use futures_util::StreamExt;
use phoenix_client::presence::Tracker;
use phoenix_client::{Options, Socket, Transport};
use phoenix_protocol::Payload;
use serde_json::json;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, HtmlInputElement};

fn document() -> Document {
    web_sys::window()
        .and_then(|w| w.document())
        .expect("a document")
}

fn by_id(id: &str) -> web_sys::Element {
    document()
        .get_element_by_id(id)
        .unwrap_or_else(|| panic!("#{id} missing"))
}

/// The chat's interface strings in the page's language: the JSON object the
/// server puts in the chat's `data-i18n` (`{user}`, `{reason}` are filled in
/// here); English when a string is missing.
struct Strings(serde_json::Value);

impl Strings {
    fn from_page() -> Strings {
        let value = document()
            .query_selector(".chat")
            .ok()
            .flatten()
            .and_then(|chat| chat.get_attribute("data-i18n"))
            .and_then(|json| serde_json::from_str(&json).ok())
            .unwrap_or_default();
        Strings(value)
    }

    fn say(&self, key: &str, fallback: &str, values: &[(&str, &str)]) -> String {
        let mut text = self.0[key].as_str().unwrap_or(fallback).to_string();
        for (name, value) in values {
            text = text.replace(&format!("{{{name}}}"), value);
        }
        text
    }
}

fn set_state(state: &str, text: &str) {
    let element = by_id("state");
    let _ = element.set_attribute("data-state", state);
    element.set_text_content(Some(text));
}

fn add_message(user: &str, body: &str, mine: bool) {
    let doc = document();
    let item = doc.create_element("li").expect("li");
    if mine {
        item.set_class_name("mine");
    }
    let who = doc.create_element("span").expect("span");
    who.set_class_name("who");
    who.set_text_content(Some(user));
    let time = doc.create_element("time").expect("time");
    let date = js_sys::Date::new_0();
    time.set_text_content(Some(&format!(
        "{:02}:{:02}",
        date.get_hours(),
        date.get_minutes()
    )));
    let text = doc.create_element("p").expect("p");
    text.set_text_content(Some(body));
    for child in [&who, &time, &text] {
        let _ = item.append_child(child);
    }
    let list = by_id("messages");
    let _ = list.append_child(&item);
    list.set_scroll_top(list.scroll_height());
}

fn render_presence(tracker: &Tracker, me: &str, strings: &Strings) {
    let doc = document();
    let list = by_id("presence");
    list.set_inner_html("");
    for key in tracker.keys() {
        let item = doc.create_element("li").expect("li");
        let label = if key == me {
            format!("{key} {}", strings.say("you", "(you)", &[]))
        } else {
            key
        };
        item.set_text_content(Some(&label));
        let _ = list.append_child(&item);
    }
}

fn socket_url() -> String {
    let location = web_sys::window().expect("window").location();
    let scheme = if location.protocol().unwrap_or_default() == "https:" {
        "wss"
    } else {
        "ws"
    };
    format!("{scheme}://{}/socket", location.host().unwrap_or_default())
}

/// Starts the page.
#[wasm_bindgen(start)]
pub fn start() {
    let user = document()
        .get_element_by_id("user")
        .and_then(|e| e.dyn_into::<HtmlInputElement>().ok())
        .map(|input| input.value())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| {
            format!(
                "rustacean-{}",
                (js_sys::Math::random() * 9000.0) as u32 + 1000
            )
        });
    // Like the phoenix.js chat: LongPoll when the WebSocket is not healthy
    // within 2.5 s.
    let mut options = Options {
        long_poll_fallback_ms: Some(2500),
        ..Options::default()
    };
    // The page's token for its user, which the socket trusts over a name.
    match document()
        .get_element_by_id("user-token")
        .and_then(|e| e.dyn_into::<HtmlInputElement>().ok())
        .map(|input| input.value())
        .filter(|v| !v.is_empty())
    {
        Some(token) => options.params.insert("user_token".into(), json!(token)),
        None => options.params.insert("user".into(), json!(user)),
    };
    let strings = std::rc::Rc::new(Strings::from_page());
    let socket = Socket::new(&socket_url(), options);
    socket.connect();
    let channel = socket.channel("room:lobby", json!({}));

    let mut states = socket.states();
    let me = user.clone();
    let watched = socket.clone();
    let say = strings.clone();
    wasm_bindgen_futures::spawn_local(async move {
        while let Some(open) = states.next().await {
            if open {
                let client = match watched.transport() {
                    Transport::LongPoll => {
                        say.say("viaRustLongPolling", "(Rust, long polling)", &[])
                    }
                    Transport::WebSocket => say.say("viaRust", "(Rust)", &[]),
                };
                let connected = say.say("connectedAs", "connected as {user}", &[("user", &me)]);
                set_state("open", &format!("{connected} {client}"));
            } else {
                set_state("closed", &say.say("reconnecting", "reconnecting…", &[]));
            }
        }
    });

    let mut events = channel.events();
    let me = user.clone();
    let say = strings.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let mut tracker = Tracker::default();
        let mut generation = 0u64;
        while let Some(event) = events.next().await {
            let Payload::Json(payload) = event.payload else {
                continue;
            };
            match event.event.as_str() {
                "new_msg" => {
                    let who = payload["user"].as_str().unwrap_or("?");
                    add_message(who, payload["body"].as_str().unwrap_or(""), who == me);
                }
                "presence_state" => {
                    // Each state starts a new join: diffs apply after it.
                    generation += 1;
                    tracker = Tracker::default();
                    tracker.on_state(Some(&generation.to_string()), &payload);
                    render_presence(&tracker, &me, &say);
                }
                "presence_diff" => {
                    tracker.on_diff(Some(&generation.to_string()), &payload);
                    render_presence(&tracker, &me, &say);
                }
                _ => {}
            }
        }
    });

    let joining = channel.clone();
    wasm_bindgen_futures::spawn_local(async move {
        if let Err(err) = joining.join().await {
            let reason = err.to_string();
            let text = strings.say(
                "couldNotJoin",
                "could not join: {reason}",
                &[("reason", &reason)],
            );
            set_state("closed", &text);
        }
    });

    let form = by_id("composer");
    let on_submit = Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
        event.prevent_default();
        let input: HtmlInputElement = by_id("body").dyn_into().expect("input");
        let body = input.value().trim().to_string();
        if body.is_empty() {
            return;
        }
        input.set_value("");
        let channel = channel.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let _ = channel.push("new_msg", json!({ "body": body })).await;
        });
    });
    let _ = form.add_event_listener_with_callback("submit", on_submit.as_ref().unchecked_ref());
    on_submit.forget();
}
