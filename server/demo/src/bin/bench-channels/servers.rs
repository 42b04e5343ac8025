//! The servers under test, each run in a child process (`--serve KIND`).

use super::*;

pub async fn serve_demo(dashboard: bool) -> SocketAddr {
    let mut config =
        phoenix::config::Config::load_env(demo::app_root(), "test").expect("test config");
    config.http.port = 0;
    if dashboard {
        demo::watcher::enable(&mut config);
    }
    let listening = demo::endpoint(config)
        .await
        .unwrap()
        .listen()
        .await
        .unwrap();
    let addr = listening.http_addr;
    tokio::spawn(listening.run(std::future::pending()));
    addr
}

pub type Topics = Arc<Mutex<HashMap<String, Vec<mpsc::UnboundedSender<Message>>>>>;

/// The baseline: V2 frames, joins, ping/echo replies and shout broadcasts
/// (encoded once, the same bytes to every subscriber), nothing else.
pub async fn serve_baseline() -> SocketAddr {
    // A backlog of 4,096, as the demo's default: a burst of connects queues.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener: TcpListener = socket.listen(4096).unwrap();
    let addr = listener.local_addr().unwrap();
    let topics: Topics = Arc::default();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            // As a bare tokio server usually does, and as the demo does.
            let _ = stream.set_nodelay(true);
            let topics = topics.clone();
            tokio::spawn(async move {
                let config = WebSocketConfig::default().read_buffer_size(4096);
                let Ok(ws) =
                    tokio_tungstenite::accept_async_with_config(stream, Some(config)).await
                else {
                    return;
                };
                let (mut sink, mut source) = ws.split();
                let (tx, mut rx) = mpsc::unbounded_channel::<Message>();
                tokio::spawn(async move {
                    while let Some(message) = rx.recv().await {
                        if sink.send(message).await.is_err() {
                            break;
                        }
                    }
                });
                while let Some(Ok(Message::Text(text))) = source.next().await {
                    let Ok(Value::Array(frame)) = serde_json::from_str::<Value>(&text) else {
                        break;
                    };
                    if frame.len() < 5 {
                        break;
                    }
                    let (join_ref, msg_ref, topic, event) =
                        (&frame[0], &frame[1], &frame[2], &frame[3]);
                    let topic_name = topic.as_str().unwrap_or("").to_string();
                    let reply = |response: Value| {
                        Message::text(json!([join_ref, msg_ref, topic, "phx_reply", {"status": "ok", "response": response}]).to_string())
                    };
                    match event.as_str().unwrap_or("") {
                        "phx_join" => {
                            topics
                                .lock()
                                .unwrap()
                                .entry(topic_name)
                                .or_default()
                                .push(tx.clone());
                            let _ = tx.send(reply(json!({})));
                        }
                        "ping" | "echo" | "heartbeat" => {
                            let _ = tx.send(reply(frame[4].clone()));
                        }
                        "shout" => {
                            let encoded = Message::text(
                                json!([null, null, topic, "shout", frame[4]]).to_string(),
                            );
                            let subscribers = topics
                                .lock()
                                .unwrap()
                                .get(&topic_name)
                                .cloned()
                                .unwrap_or_default();
                            for subscriber in subscribers {
                                let _ = subscriber.send(encoded.clone());
                            }
                        }
                        _ => {}
                    }
                }
            });
        }
    });
    addr
}

/// A poem WebSocket endpoint that only answers joins (to see poem's own cost).
pub async fn serve_poem() -> SocketAddr {
    use poem::web::websocket::{Message as PMessage, WebSocket};
    use poem::{get, handler, IntoResponse, Route, Server};
    #[handler]
    fn ws(ws: WebSocket) -> impl IntoResponse {
        ws.config(WebSocketConfig::default().read_buffer_size(4096)).on_upgrade(|stream| async move {
            let (mut sink, mut source) = stream.split();
            while let Some(Ok(PMessage::Text(text))) = source.next().await {
                let frame: Value = serde_json::from_str(&text).unwrap_or_default();
                let reply = json!([frame[0], frame[1], frame[2], "phx_reply", {"status": "ok", "response": {}}]);
                if sink.send(PMessage::Text(reply.to_string())).await.is_err() {
                    break;
                }
            }
        })
    }
    let acceptor = poem::listener::TcpListener::bind("127.0.0.1:0")
        .into_acceptor()
        .await
        .unwrap();
    let addr = *acceptor.local_addr()[0].0.as_socket_addr().unwrap();
    tokio::spawn(
        Server::new_with_acceptor(acceptor).run(Route::new().at("/socket/websocket", get(ws))),
    );
    addr
}
