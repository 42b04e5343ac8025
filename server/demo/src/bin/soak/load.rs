//! The load: HTTP clients, steady sockets, a publisher, churners, slow
//! consumers and vanishing clients, each at a fixed rate, counted.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio::time::{interval, sleep, timeout, MissedTickBehavior};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

use crate::http1;
use crate::sample::LoadSample;
use crate::Args;

type Ws = WebSocketStream<TcpStream>;

/// How long any one reply may take before it counts as lost.
const REPLY_WAIT: Duration = Duration::from_secs(10);

/// The size of a firehose broadcast's body.
const FIREHOSE_BYTES: usize = 4096;

/// Frames a slow consumer reads per second.
const SLOW_READS_PER_SECOND: u64 = 2;

/// A slow consumer's heartbeat interval.
const SLOW_HEARTBEAT: Duration = Duration::from_secs(5);

/// Heartbeats, as phoenix.js sends them.
const HEARTBEAT: Duration = Duration::from_secs(30);

/// Silent clients are dropped this long after they stop, after the
/// server's 60 s idle timeout.
const SILENT_FOR: Duration = Duration::from_secs(75);

/// The load's counters (totals since the start).
#[derive(Default)]
pub struct Counters {
    http_ok: AtomicU64,
    http_errors: AtomicU64,
    connects: AtomicU64,
    connect_errors: AtomicU64,
    joins: AtomicU64,
    join_errors: AtomicU64,
    leaves: AtomicU64,
    broadcasts: AtomicU64,
    frames_in: AtomicU64,
    slow_dropped: AtomicU64,
    steady_dropped: AtomicU64,
    vanished: AtomicU64,
    silent: AtomicU64,
}

fn add(counter: &AtomicU64, n: u64) {
    counter.fetch_add(n, Ordering::Relaxed);
}

impl Counters {
    /// The totals so far.
    pub fn snapshot(&self) -> LoadSample {
        let r = |c: &AtomicU64| c.load(Ordering::Relaxed);
        LoadSample {
            http_ok: r(&self.http_ok),
            http_errors: r(&self.http_errors),
            connects: r(&self.connects),
            connect_errors: r(&self.connect_errors),
            joins: r(&self.joins),
            join_errors: r(&self.join_errors),
            leaves: r(&self.leaves),
            broadcasts: r(&self.broadcasts),
            frames_in: r(&self.frames_in),
            slow_dropped: r(&self.slow_dropped),
            steady_dropped: r(&self.steady_dropped),
            vanished: r(&self.vanished),
            silent: r(&self.silent),
        }
    }
}

/// What every load task shares.
#[derive(Clone)]
struct Ctx {
    addr: SocketAddr,
    counters: Arc<Counters>,
    stop: watch::Receiver<bool>,
    rooms: usize,
}

impl Ctx {
    fn stopped(&self) -> bool {
        *self.stop.borrow()
    }

    /// Resolves when the run ends.
    async fn until_stop(&self) {
        let mut stop = self.stop.clone();
        let _ = stop.wait_for(|stop| *stop).await;
    }

    fn room(&self, i: usize) -> String {
        format!("room:soak:{}", i % self.rooms)
    }
}

/// A small deterministic generator (xorshift), one per task.
struct Rng(u64);

impl Rng {
    fn new(seed: usize) -> Self {
        Rng(0x9E37_79B9_7F4A_7C15 ^ (seed as u64).wrapping_mul(0x2545_F491_4F6C_DD1D) | 1)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

/// A connected client and its next message ref.
struct Client {
    ws: Ws,
    next_ref: u64,
}

impl Client {
    /// Connects as `user`; `recv_buffer` sets a small TCP receive buffer.
    async fn connect(ctx: &Ctx, user: &str, recv_buffer: Option<u32>) -> Option<Client> {
        let attempt = async {
            let socket = TcpSocket::new_v4().ok()?;
            if let Some(size) = recv_buffer {
                socket.set_recv_buffer_size(size).ok()?;
            }
            let stream = socket.connect(ctx.addr).await.ok()?;
            let _ = stream.set_nodelay(true);
            let url = format!("ws://{}/socket/websocket?vsn=2.0.0&user={user}", ctx.addr);
            // 4 KB read buffers instead of 128 KB: 5,000 clients would hold
            // 640 MB of them.
            let config = WebSocketConfig::default().read_buffer_size(4096);
            let (ws, _) = tokio_tungstenite::client_async_with_config(url, stream, Some(config))
                .await
                .ok()?;
            Some(ws)
        };
        match timeout(REPLY_WAIT, attempt).await.ok().flatten() {
            Some(ws) => {
                add(&ctx.counters.connects, 1);
                Some(Client { ws, next_ref: 1 })
            }
            None => {
                add(&ctx.counters.connect_errors, 1);
                None
            }
        }
    }

    /// Sends a V2 frame; returns its ref.
    async fn send(
        &mut self,
        join_ref: Option<&str>,
        topic: &str,
        event: &str,
        payload: Value,
    ) -> Option<String> {
        let msg_ref = self.next_ref.to_string();
        self.next_ref += 1;
        let frame = json!([join_ref, msg_ref, topic, event, payload]).to_string();
        self.ws.send(Message::text(frame)).await.ok()?;
        Some(msg_ref)
    }

    /// Waits for the reply to `msg_ref`, counting the other frames; its
    /// status, or `None` if the connection ended or it did not come.
    async fn reply(&mut self, ctx: &Ctx, msg_ref: &str) -> Option<String> {
        let deadline = tokio::time::Instant::now() + REPLY_WAIT;
        loop {
            let message = tokio::time::timeout_at(deadline, self.ws.next())
                .await
                .ok()??
                .ok()?;
            let Message::Text(text) = message else {
                if message.is_close() {
                    return None;
                }
                continue;
            };
            add(&ctx.counters.frames_in, 1);
            let frame: Value = serde_json::from_str(&text).ok()?;
            if frame[3] == "phx_reply" && frame[1] == msg_ref {
                return frame[4]["status"].as_str().map(str::to_string);
            }
        }
    }

    /// Joins `topic`; its join ref if the server said ok.
    async fn join(&mut self, ctx: &Ctx, topic: &str) -> Option<String> {
        let join_ref = self.next_ref.to_string();
        let msg_ref = self
            .send(Some(&join_ref), topic, "phx_join", json!({}))
            .await?;
        if self.reply(ctx, &msg_ref).await.as_deref() == Some("ok") {
            add(&ctx.counters.joins, 1);
            Some(join_ref)
        } else {
            add(&ctx.counters.join_errors, 1);
            None
        }
    }

    /// Leaves `topic`; whether the server answered.
    async fn leave(&mut self, ctx: &Ctx, join_ref: &str, topic: &str) -> bool {
        let Some(msg_ref) = self
            .send(Some(join_ref), topic, "phx_leave", json!({}))
            .await
        else {
            return false;
        };
        let left = self.reply(ctx, &msg_ref).await.is_some();
        if left {
            add(&ctx.counters.leaves, 1);
        }
        left
    }

    /// Reads and counts frames until the run ends (true) or the connection
    /// does (false), sending heartbeats.
    async fn listen(&mut self, ctx: &Ctx) -> bool {
        let mut heartbeat = interval(HEARTBEAT);
        heartbeat.tick().await;
        loop {
            tokio::select! {
                () = ctx.until_stop() => return true,
                _ = heartbeat.tick() => {
                    if self.send(None, "phoenix", "heartbeat", json!({})).await.is_none() {
                        return false;
                    }
                }
                message = self.ws.next() => match message {
                    Some(Ok(Message::Text(_))) => add(&ctx.counters.frames_in, 1),
                    Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return false,
                    Some(Ok(_)) => {}
                },
            }
        }
    }

    /// Closes with a close frame, waiting a moment for the server's.
    async fn close(mut self) {
        let _ = timeout(Duration::from_secs(2), async {
            let _ = self.ws.close(None).await;
            while let Some(Ok(_)) = self.ws.next().await {}
        })
        .await;
    }
}

/// The running load.
pub struct Load {
    /// Its counters.
    pub counters: Arc<Counters>,
    /// Steady clients connected before the run started.
    pub steady: usize,
    /// How long connecting them took.
    pub connected_in: Duration,
    stop: watch::Sender<bool>,
    tasks: JoinSet<()>,
}

impl Load {
    /// Connects the steady clients (at most 200 connecting at once), then
    /// starts everything else.
    pub async fn start(addr: SocketAddr, args: &Args) -> Load {
        let counters = Arc::new(Counters::default());
        let (stop, stop_rx) = watch::channel(false);
        let ctx = Ctx {
            addr,
            counters: counters.clone(),
            stop: stop_rx,
            rooms: args.rooms.max(1),
        };
        seed_users(addr).await;
        // Silent clients in flight: one per two seconds for SILENT_FOR.
        let silent = (SILENT_FOR.as_secs() / 2) as usize;
        let steady = args
            .sockets
            .saturating_sub(args.churners + args.slow + 1 + silent)
            .max(1);
        let mut tasks = JoinSet::new();
        let started = Instant::now();
        let permits = Arc::new(tokio::sync::Semaphore::new(200));
        let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel::<()>(steady);
        for i in 0..steady {
            let (ctx, permits, ready) = (ctx.clone(), permits.clone(), ready_tx.clone());
            tasks.spawn(steady_client(ctx, i, permits, ready));
        }
        drop(ready_tx);
        let mut ready = 0;
        while ready < steady {
            match timeout(Duration::from_secs(120), ready_rx.recv()).await {
                Ok(Some(())) => ready += 1,
                _ => break,
            }
        }
        let connected_in = started.elapsed();
        if ready < steady {
            println!("only {ready} of {steady} steady clients joined within 120 s");
        }
        tasks.spawn(publisher(
            ctx.clone(),
            args.broadcasts_per_second,
            args.firehose_per_second,
        ));
        for i in 0..args.churners {
            tasks.spawn(churner(ctx.clone(), i));
        }
        for i in 0..args.slow {
            tasks.spawn(slow_consumer(ctx.clone(), i));
        }
        tasks.spawn(vanishers(ctx.clone()));
        let workers = 8;
        let per_worker = (args.http_per_second as f64 / workers as f64).max(0.1);
        let cookie = returning_visitor(addr).await;
        for i in 0..workers {
            tasks.spawn(http_worker(ctx.clone(), i, per_worker, cookie.clone()));
        }
        Load {
            counters,
            steady,
            connected_in,
            stop,
            tasks,
        }
    }

    /// Ends the load: clients close, tasks still running after 15 s are
    /// aborted.
    pub async fn stop(mut self) {
        let _ = self.stop.send(true);
        let _ = timeout(Duration::from_secs(15), async {
            while self.tasks.join_next().await.is_some() {}
        })
        .await;
        self.tasks.abort_all();
    }
}

/// Five users for the JSON API to list.
async fn seed_users(addr: SocketAddr) {
    for i in 1..=5 {
        let body = format!(r#"{{"user":{{"name":"Soak user {i}"}}}}"#);
        let (status, ..) = http1::request(
            addr,
            "POST /api/users HTTP/1.1\r\nContent-Type: application/json\r\nAccept: application/json\r\n",
            &body,
        )
        .await;
        assert_eq!(status, 201, "creating a user");
    }
}

/// The `Cookie:` header line of a visitor who has seen a page.
async fn returning_visitor(addr: SocketAddr) -> String {
    let (status, cookie, _) = http1::request(
        addr,
        "GET /pages/hello HTTP/1.1\r\nAccept: text/html\r\n",
        "",
    )
    .await;
    assert_eq!(status, 200, "the page");
    assert!(!cookie.is_empty(), "a new visitor gets a session cookie");
    format!("Cookie: {cookie}\r\n")
}

/// One of the clients that stay: a room, every tenth a presence room too.
/// Reconnects if the server drops it.
async fn steady_client(
    ctx: Ctx,
    i: usize,
    permits: Arc<tokio::sync::Semaphore>,
    ready: tokio::sync::mpsc::Sender<()>,
) {
    let mut first = true;
    while !ctx.stopped() {
        let joined = {
            let _permit = if first {
                permits.acquire().await.ok()
            } else {
                None
            };
            match Client::connect(&ctx, &format!("s{i}"), None).await {
                Some(mut client) => {
                    let mut ok = client.join(&ctx, &ctx.room(i)).await.is_some();
                    if ok && i.is_multiple_of(10) {
                        let topic = format!("room:presence:{}", i % 7);
                        ok = client.join(&ctx, &topic).await.is_some();
                    }
                    ok.then_some(client)
                }
                None => None,
            }
        };
        if first {
            first = false;
            let _ = ready.send(()).await;
        }
        let Some(mut client) = joined else {
            sleep(Duration::from_secs(1)).await;
            continue;
        };
        if client.listen(&ctx).await {
            client.close().await;
            return;
        }
        add(&ctx.counters.steady_dropped, 1);
        sleep(Duration::from_secs(1)).await;
    }
}

/// Pushes `shout`s into the rooms and 4 KB ones into the firehose.
async fn publisher(ctx: Ctx, per_second: u32, firehose_per_second: u32) {
    let Some(mut client) = Client::connect(&ctx, "publisher", None).await else {
        return;
    };
    let mut topics = Vec::new();
    for room in 0..ctx.rooms {
        let topic = ctx.room(room);
        if let Some(join_ref) = client.join(&ctx, &topic).await {
            topics.push((topic, join_ref));
        }
    }
    let firehose = client.join(&ctx, "room:soak:firehose").await;
    let (mut sink, mut source) = client.ws.split();
    let counters = ctx.counters.clone();
    let reader = tokio::spawn(async move {
        while let Some(Ok(message)) = source.next().await {
            if message.is_text() {
                add(&counters.frames_in, 1);
            }
        }
    });
    let every = |n: u32| {
        let mut tick = interval(Duration::from_secs_f64(1.0 / n.max(1) as f64));
        tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
        tick
    };
    let (mut rooms_tick, mut firehose_tick) = (every(per_second), every(firehose_per_second));
    let big = "x".repeat(FIREHOSE_BYTES);
    let (mut n, mut msg_ref) = (0usize, 1_000_000u64);
    loop {
        let (topic, join_ref, body) = tokio::select! {
            () = ctx.until_stop() => break,
            _ = rooms_tick.tick(), if per_second > 0 && !topics.is_empty() => {
                n += 1;
                let (topic, join_ref) = &topics[n % topics.len()];
                (topic.as_str(), join_ref.clone(), format!("broadcast {n}"))
            }
            _ = firehose_tick.tick(), if firehose_per_second > 0 && firehose.is_some() => {
                ("room:soak:firehose", firehose.clone().unwrap_or_default(), big.clone())
            }
        };
        msg_ref += 1;
        let frame = json!([join_ref, msg_ref.to_string(), topic, "shout", {"body": body}]);
        if sink.send(Message::text(frame.to_string())).await.is_err() {
            break;
        }
        add(&ctx.counters.broadcasts, 1);
    }
    let _ = sink.close().await;
    reader.abort();
}

/// Connects as a new user, joins a room and a presence room, stays 1–3 s,
/// leaves the presence room and goes; one time in four without a close frame.
async fn churner(ctx: Ctx, i: usize) {
    let mut rng = Rng::new(i);
    let mut round = 0u64;
    while !ctx.stopped() {
        round += 1;
        let Some(mut client) = Client::connect(&ctx, &format!("c{i}-{round}"), None).await else {
            sleep(Duration::from_secs(1)).await;
            continue;
        };
        let presence = format!("room:presence:{}", rng.below(7));
        let room = ctx.room(rng.below(ctx.rooms as u64) as usize);
        let joined = client.join(&ctx, &presence).await;
        let _ = client.join(&ctx, &room).await;
        let stay = Duration::from_millis(1000 + rng.below(2000));
        let _ = timeout(stay, client.listen(&ctx)).await;
        if let Some(join_ref) = joined {
            client.leave(&ctx, &join_ref, &presence).await;
        }
        if rng.below(4) == 0 {
            add(&ctx.counters.vanished, 1);
            drop(client);
        } else {
            client.close().await;
        }
    }
}

/// On the firehose with a 4 KB receive buffer, reading two frames a
/// second and sending a heartbeat every [`SLOW_HEARTBEAT`]. Like
/// phoenix.js, it gives up on a connection whose last heartbeat was not
/// answered by the time of the next (the server closed it as too slow,
/// but the close waits behind what the kernel still holds), and comes back
/// a second later.
async fn slow_consumer(ctx: Ctx, i: usize) {
    // Staggered, so that their queues do not all fill at the same moment.
    tokio::select! {
        () = ctx.until_stop() => return,
        () = sleep(Duration::from_millis(500 * i as u64)) => {}
    }
    while !ctx.stopped() {
        let Some(mut client) = Client::connect(&ctx, &format!("slow{i}"), Some(4096)).await else {
            sleep(Duration::from_secs(1)).await;
            continue;
        };
        if client.join(&ctx, "room:soak:firehose").await.is_none() {
            sleep(Duration::from_secs(1)).await;
            continue;
        }
        let mut pace = interval(Duration::from_millis(1000 / SLOW_READS_PER_SECOND));
        let mut heartbeat = interval(SLOW_HEARTBEAT);
        heartbeat.tick().await;
        let mut pending: Option<String> = None;
        loop {
            tokio::select! {
                () = ctx.until_stop() => return,
                _ = heartbeat.tick() => {
                    if pending.is_some() {
                        break;
                    }
                    pending = client.send(None, "phoenix", "heartbeat", json!({})).await;
                    if pending.is_none() {
                        break;
                    }
                    continue;
                }
                _ = pace.tick() => {}
            }
            match timeout(SLOW_HEARTBEAT, client.ws.next()).await {
                Ok(Some(Ok(Message::Text(text)))) => {
                    add(&ctx.counters.frames_in, 1);
                    let frame: Value = serde_json::from_str(&text).unwrap_or_default();
                    if frame[3] == "phx_reply" && pending.as_deref() == frame[1].as_str() {
                        pending = None;
                    }
                }
                Ok(Some(Ok(message))) if !message.is_close() => {}
                Ok(_) => break,
                Err(_) => {}
            }
        }
        add(&ctx.counters.slow_dropped, 1);
        drop(client);
        sleep(Duration::from_secs(1)).await;
    }
}

/// Each second a client that joins and drops its TCP connection without a
/// close frame; every other second one that joins and goes silent.
async fn vanishers(ctx: Ctx) {
    let mut tick = interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut n = 0usize;
    loop {
        tokio::select! {
            () = ctx.until_stop() => return,
            _ = tick.tick() => {}
        }
        n += 1;
        let silent = n.is_multiple_of(2);
        let ctx = ctx.clone();
        tokio::spawn(async move {
            let user = format!("v{n}");
            let Some(mut client) = Client::connect(&ctx, &user, None).await else {
                return;
            };
            if client.join(&ctx, &ctx.room(n)).await.is_none() {
                return;
            }
            if silent {
                add(&ctx.counters.silent, 1);
                tokio::select! {
                    () = ctx.until_stop() => {}
                    () = sleep(SILENT_FOR) => {}
                }
            } else {
                add(&ctx.counters.vanished, 1);
            }
            // Dropped: the TCP connection closes without a close frame.
            drop(client);
        });
    }
}

/// Requests at `per_second` on a keep-alive connection, alternating a
/// returning visitor's page, a new visitor's page and the JSON API (3:2);
/// one request in twenty on a new connection.
async fn http_worker(ctx: Ctx, worker: usize, per_second: f64, cookie: String) {
    let requests = [
        format!(
            "GET /pages/hello HTTP/1.1\r\nHost: localhost\r\nAccept: text/html\r\n{cookie}\r\n"
        ),
        "GET /api/users HTTP/1.1\r\nHost: localhost\r\nAccept: application/json\r\n\r\n"
            .to_string(),
        "GET /pages/hello HTTP/1.1\r\nHost: localhost\r\nAccept: text/html\r\n\r\n".to_string(),
        "GET /api/users/1 HTTP/1.1\r\nHost: localhost\r\nAccept: application/json\r\n\r\n"
            .to_string(),
        format!(
            "GET /pages/hello HTTP/1.1\r\nHost: localhost\r\nAccept: text/html\r\n{cookie}\r\n"
        ),
    ];
    let mut tick = interval(Duration::from_secs_f64(1.0 / per_second));
    tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut stream: Option<TcpStream> = None;
    let mut buf = Vec::with_capacity(16384);
    let mut n = worker;
    loop {
        tokio::select! {
            () = ctx.until_stop() => return,
            _ = tick.tick() => {}
        }
        n += 1;
        if n.is_multiple_of(20) {
            stream = None;
        }
        if stream.is_none() {
            stream = TcpStream::connect(ctx.addr).await.ok();
        }
        let Some(connection) = stream.as_mut() else {
            add(&ctx.counters.http_errors, 1);
            continue;
        };
        let request = &requests[n % requests.len()];
        let answered = async {
            connection.write_all(request.as_bytes()).await?;
            http1::read_response(connection, &mut buf).await
        };
        match timeout(REPLY_WAIT, answered).await {
            Ok(Ok(200)) => add(&ctx.counters.http_ok, 1),
            _ => {
                add(&ctx.counters.http_errors, 1);
                stream = None;
            }
        }
    }
}
