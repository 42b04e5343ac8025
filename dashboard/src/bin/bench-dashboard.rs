//! `bench-dashboard`: does the dashboard stay smooth under a flood of events?
//!
//! Headless (no window, no GPU): a [`DashboardApp`] whose client points at a
//! closed port (the refused connection is harmless) is fed synthetic
//! [`Update`]s directly, and frames are driven with a plain
//! [`egui::Context`] at 1280×800, the clock advancing 1/60 s per frame.
//! A measured frame is what a real one costs the CPU: applying the updates
//! that arrived (the app does it in `logic`, inside the pass), the UI pass
//! and the tessellation of its shapes. Only uploading and drawing on the GPU
//! are left out.
//!
//! The model starts from a realistic snapshot (30 routes, 200 sockets on 50
//! topics, presence on 4 of them) with every buffer already full (10,000
//! traffic rows, 5,000 requests, 600 stats points), the worst case. Each
//! scenario (a view, possibly with a filter or a details panel open) is
//! measured twice in the same run, on a fresh app:
//!
//! - idle: no event arrives (the baseline);
//! - flood: `--events-per-second` events (default 10,000: ≈167 per frame) of
//!   a realistic mix — messages in and out and broadcasts with payloads,
//!   joins and leaves, presence diffs, HTTP requests — in an `events` push
//!   every `--push-every-frames` frames, plus a `stats` push every second.
//!
//! Times are the thread's CPU time (`CLOCK_THREAD_CPUTIME_ID` on Linux; wall time
//! elsewhere), so another process on the machine slows the run down
//! but does not skew it much; wall-clock p99s are printed too.
//!
//! ```text
//! cargo run --release -p phoenix-dashboard --bin bench-dashboard -- \
//!     [--frames 600] [--events-per-second 10000] [--push-every-frames 1] [--warmup 60]
//! ```

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use clap::Parser;
use eframe::egui;
use phoenix_dashboard::app::{DashboardApp, View};
use phoenix_dashboard::client::{self, ClientConfig};
use phoenix_dashboard::model::{
    wire, ConnState, TrafficFilter, Update, REQUESTS_CAP, SERIES_CAP, TRAFFIC_CAP,
};
use serde_json::{json, Map, Value};

/// The frame budget at 60 fps, in ms.
const BUDGET_MS: f64 = 1000.0 / 60.0;
/// The screen size, in points (1 pixel per point).
const SCREEN: egui::Vec2 = egui::vec2(1280.0, 800.0);
/// Server time at the first measured frame (Unix ms).
const START_MS: i64 = 1_764_258_000_000;

/// Headless frame-time benchmark of the dashboard under a flood of events.
#[derive(Debug, Parser)]
#[command(name = "bench-dashboard")]
struct Cli {
    /// Frames measured per scenario and condition (600 = 10 s at 60 fps).
    #[arg(long, default_value_t = 600)]
    frames: usize,

    /// Events arriving per second during the flood.
    #[arg(long, default_value_t = 10_000)]
    events_per_second: u64,

    /// Send the flood's events every N frames, in one push (1: every frame;
    /// 6 ≈ the server's 100 ms push interval, so fewer, bigger batches).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
    push_every_frames: u64,

    /// Unmeasured frames before each measurement (fonts, caches, layout).
    #[arg(long, default_value_t = 60)]
    warmup: usize,
}

// ------------------------------------------------------------- the clock

/// The CPU time this thread has used: `clock_gettime` of the C library std
/// already links, declared here rather than adding a dependency.
#[cfg(target_os = "linux")]
fn thread_cpu() -> Duration {
    use std::os::raw::{c_int, c_long};

    /// `struct timespec` (`time_t` is a `long` on Linux).
    #[repr(C)]
    struct Timespec {
        tv_sec: c_long,
        tv_nsec: c_long,
    }
    const CLOCK_THREAD_CPUTIME_ID: c_int = 3;
    extern "C" {
        fn clock_gettime(clock: c_int, time: *mut Timespec) -> c_int;
    }
    let mut ts = Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `clock_gettime` only writes the `timespec` we own.
    let rc = unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// Wall time since the first call (no per-thread CPU clock used here).
#[cfg(not(target_os = "linux"))]
fn thread_cpu() -> Duration {
    use std::sync::OnceLock;
    static START: OnceLock<Instant> = OnceLock::new();
    START.get_or_init(Instant::now).elapsed()
}

const CLOCK_NAME: &str = if cfg!(target_os = "linux") {
    "thread CPU time"
} else {
    "wall time"
};

// ------------------------------------------------------ synthetic server

/// A tiny deterministic PRNG (xorshift64*), so runs are comparable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// The synthetic server: a snapshot, then events and stats consistent with
/// it (messages on joined topics, leaves of earlier joins, presence diffs).
struct Synth {
    rng: Rng,
    now_ms: i64,
    /// Socket ids and their topics.
    sockets: Vec<(String, Vec<String>)>,
    topics: Vec<String>,
    presence_topics: Vec<&'static str>,
    /// Extra joins (socket, topic) to leave later.
    joined: VecDeque<(String, String)>,
    /// Guests tracked by presence diffs (topic, key), to untrack later.
    guests: VecDeque<(String, String)>,
    counter: u64,
    last_stats_ms: i64,
}

const EVENTS: [&str; 5] = ["new_msg", "typing", "update_cursor", "ping", "reaction"];
const RESOURCES: [&str; 5] = ["pages", "users", "posts", "comments", "rooms"];
const PRESENCE_SIZES: [(&str, usize); 4] = [
    ("rooms:lobby", 40),
    ("rooms:1", 12),
    ("rooms:2", 8),
    ("game:1", 5),
];

impl Synth {
    fn new(seed: u64) -> Synth {
        let mut topics = vec!["rooms:lobby".to_string()];
        topics.extend((1..=29).map(|n| format!("rooms:{n}")));
        topics.extend((1..=15).map(|n| format!("users:{n}")));
        topics.extend((1..=5).map(|n| format!("game:{n}")));
        let sockets = (1..=200usize)
            .map(|n| {
                let mut mine = vec![topics[n % topics.len()].clone()];
                // Half of them are in the lobby, the busiest topic (with
                // the biggest presence list).
                let lobby = if n.is_multiple_of(2) {
                    0
                } else {
                    n % topics.len()
                };
                for extra in [lobby, (n * 7 + 3) % topics.len(), 30 + n % 15] {
                    if !mine.contains(&topics[extra]) && (n % 3 != 0 || extra < 30) {
                        mine.push(topics[extra].clone());
                    }
                }
                (format!("s{n}"), mine)
            })
            .collect();
        Synth {
            rng: Rng(seed | 1),
            now_ms: START_MS - 600_000,
            sockets,
            topics,
            presence_topics: PRESENCE_SIZES.iter().map(|(t, _)| *t).collect(),
            joined: VecDeque::new(),
            guests: VecDeque::new(),
            counter: 0,
            last_stats_ms: START_MS - 600_000,
        }
    }

    fn subscribers(&self) -> Vec<(String, u64)> {
        let mut counts: Vec<(String, u64)> = self.topics.iter().map(|t| (t.clone(), 0)).collect();
        for (_, mine) in &self.sockets {
            for topic in mine {
                if let Some(entry) = counts.iter_mut().find(|(t, _)| t == topic) {
                    entry.1 += 1;
                }
            }
        }
        for (_, topic) in &self.joined {
            if let Some(entry) = counts.iter_mut().find(|(t, _)| t == topic) {
                entry.1 += 1;
            }
        }
        counts.retain(|(_, n)| *n > 0);
        counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        counts
    }

    fn snapshot(&mut self) -> Value {
        let mut routes = vec![
            json!({"verb": "GET", "path": "/", "controller": "PageController",
                   "action": "home", "helper": "page_path", "pipelines": ["browser"]}),
            json!({"verb": "GET", "path": "/pages/:page", "controller": "PageController",
                   "action": "show", "helper": "page_path", "pipelines": ["browser"]}),
            json!({"verb": "GET", "path": "/health", "controller": "HealthController",
                   "action": "index", "helper": "health_path", "pipelines": []}),
            json!({"verb": "POST", "path": "/login", "controller": "SessionController",
                   "action": "create", "helper": "session_path", "pipelines": ["browser"]}),
            json!({"verb": "DELETE", "path": "/logout", "controller": "SessionController",
                   "action": "delete", "helper": "session_path", "pipelines": ["browser", "auth"]}),
        ];
        for res in RESOURCES {
            let controller = format!("{}{}Controller", res[..1].to_uppercase(), &res[1..]);
            let helper = format!("{}_path", res.trim_end_matches('s'));
            for (verb, path, action) in [
                ("GET", format!("/api/{res}"), "index"),
                ("GET", format!("/api/{res}/:id"), "show"),
                ("POST", format!("/api/{res}"), "create"),
                ("PATCH", format!("/api/{res}/:id"), "update"),
                ("DELETE", format!("/api/{res}/:id"), "delete"),
            ] {
                routes.push(json!({"verb": verb, "path": path, "controller": controller,
                                   "action": action, "helper": helper,
                                   "pipelines": ["api", "auth"]}));
            }
        }
        let sockets: Vec<Value> = self
            .sockets
            .iter()
            .enumerate()
            .map(|(i, (id, topics))| {
                json!({"id": id, "socket": "/socket",
                       "transport": if i.is_multiple_of(5) { "longpoll" } else { "websocket" },
                       "vsn": "2.0.0", "peer": format!("10.0.{}.{}:{}", i / 250, i % 250, 50_000 + i),
                       "connected_at_ms": START_MS - 3_600_000 + i as i64 * 1_500,
                       "user_id": if i.is_multiple_of(4) { Value::Null } else { json!(format!("user_socket:{i}")) },
                       "assigns": {"user": format!("user_{i}"), "locale": "en", "admin": i.is_multiple_of(50)},
                       "topics": topics, "messages_in": 100 + i * 3, "messages_out": 400 + i * 7,
                       "queue": 0, "queue_capacity": 1024})
            })
            .collect();
        let topics: Vec<Value> = self
            .subscribers()
            .into_iter()
            .map(|(topic, n)| json!({"topic": topic, "subscribers": n}))
            .collect();
        let mut presence = Map::new();
        for (topic, size) in PRESENCE_SIZES {
            let keys: Map<String, Value> = (0..size)
                .map(|k| {
                    let metas: Vec<Value> = (0..1 + k % 3)
                        .map(|m| json!({"phx_ref": format!("F{k}-{m}"), "online_at": START_MS - 60_000,
                                        "status": "online", "device": if m == 0 { "web" } else { "phone" }}))
                        .collect();
                    (format!("user_{k}"), json!({"metas": metas}))
                })
                .collect();
            presence.insert(topic.to_string(), Value::Object(keys));
        }
        json!({
            "app": {"name": "demo", "env": "dev", "node": "node-4242", "version": "0.1.0",
                    "started_at_ms": START_MS - 7_200_000, "uptime_ms": 6_600_000,
                    "read_only": false, "max_events_per_second": 20_000},
            "routes": routes,
            "sockets": sockets,
            "topics": topics,
            "presence": presence,
            "stats": {"at_ms": self.now_ms, "sockets": 200, "channels": 400}
        })
    }

    fn payload(&mut self, n: u64) -> String {
        let words = 4 + self.rng.below(24) as usize;
        let body: Vec<&str> = (0..words)
            .map(|_| {
                *self
                    .rng
                    .pick(&["hello", "world", "phoenix", "egui", "flood", "ok"])
            })
            .collect();
        format!(
            "{{\"body\":\"{}\",\"user\":\"user_{}\",\"ref\":{n}}}",
            body.join(" "),
            self.rng.below(200)
        )
    }

    /// One event of the mix, at the current time.
    fn event(&mut self) -> Value {
        self.counter += 1;
        let n = self.counter;
        let at_ms = self.now_ms;
        let roll = self.rng.below(100);
        let (socket_id, topics) = self.rng.pick(&self.sockets).clone();
        let topic = self.rng.pick(&topics).clone();
        match roll {
            0..=34 => {
                let payload = self.payload(n);
                json!({"kind": "message_in", "at_ms": at_ms, "socket_id": socket_id,
                       "topic": topic, "event": self.rng.pick(&EVENTS), "size": 40 + payload.len(),
                       "payload": payload})
            }
            35..=59 => {
                let (event, payload) = if roll.is_multiple_of(2) {
                    (
                        "phx_reply",
                        "{\"status\":\"ok\",\"response\":{}}".to_string(),
                    )
                } else {
                    ("new_msg", self.payload(n))
                };
                json!({"kind": "message_out", "at_ms": at_ms, "socket_id": socket_id,
                       "topic": topic, "event": event, "size": 30 + payload.len(),
                       "payload": payload})
            }
            60..=79 => {
                let topic = self.rng.pick(&self.topics).clone();
                let payload = self.payload(n);
                json!({"kind": "broadcast", "at_ms": at_ms, "topic": topic,
                       "event": self.rng.pick(&EVENTS), "size": 40 + payload.len(),
                       "subscribers": 1 + self.rng.below(40),
                       "source": if roll.is_multiple_of(7) { "remote" } else { "local" },
                       "payload": payload})
            }
            80..=81 => self.presence_diff(at_ms, n),
            82..=89 => {
                let join = match self.joined.len() {
                    0 => true,
                    len if len >= 64 => false,
                    _ => roll < 86,
                };
                if join {
                    let extra = self.rng.pick(&self.topics).clone();
                    self.joined.push_back((socket_id.clone(), extra.clone()));
                    json!({"kind": "channel_joined", "at_ms": at_ms, "socket_id": socket_id,
                           "topic": extra, "status": "ok"})
                } else {
                    let (socket_id, topic) = self.joined.pop_front().expect("a join");
                    json!({"kind": "channel_left", "at_ms": at_ms, "socket_id": socket_id,
                           "topic": topic, "reason": "left", "crashed": false, "detail": null})
                }
            }
            _ => {
                let res = self.rng.pick(&RESOURCES);
                let status = match self.rng.below(100) {
                    0..=1 => 500,
                    2..=6 => 404,
                    7..=9 => 302,
                    _ => 200,
                };
                json!({"kind": "http_request", "at_ms": at_ms,
                       "method": if roll.is_multiple_of(3) { "POST" } else { "GET" },
                       "path": format!("/api/{res}/{}", self.rng.below(5000)),
                       "status": status, "duration_us": 150 + self.rng.below(30_000)})
            }
        }
    }

    fn presence_diff(&mut self, at_ms: i64, n: u64) -> Value {
        let leave = self.guests.len() >= 20 || (!self.guests.is_empty() && n.is_multiple_of(2));
        let (topic, diff) = if leave {
            let (topic, key) = self.guests.pop_front().expect("a guest");
            let phx_ref = format!("G{key}");
            let diff = json!({"joins": {}, "leaves": {key: {"metas": [{"phx_ref": phx_ref}]}}});
            (topic, diff)
        } else {
            let topic = self.rng.pick(&self.presence_topics).to_string();
            let key = format!("guest_{n}");
            self.guests.push_back((topic.clone(), key.clone()));
            let diff = json!({"joins": {&key: {"metas": [{"phx_ref": format!("G{key}"),
                                                           "online_at": at_ms}]}}, "leaves": {}});
            (topic, diff)
        };
        json!({"kind": "broadcast", "at_ms": at_ms, "topic": topic, "event": "presence_diff",
               "size": 120, "subscribers": 10, "source": "local", "diff": diff})
    }

    /// An `events` push of `count` events.
    fn events(&mut self, count: usize) -> Update {
        let events: Vec<Value> = (0..count).map(|_| self.event()).collect();
        let push = json!({"events": events, "dropped": 0});
        wire::push("events", push).expect("an events push")
    }

    /// A `stats` push for the second after the previous one.
    fn stats(&mut self) -> Update {
        self.last_stats_ms += 1000;
        let topics: Vec<Value> = self
            .subscribers()
            .into_iter()
            .map(|(topic, n)| json!({"topic": topic, "subscribers": n}))
            .collect();
        let counters: Vec<Value> = self
            .sockets
            .iter()
            .enumerate()
            .map(|(i, (id, _))| {
                json!({
                    "id": id,
                    "messages_in": 100 + i as u64 * 3 + self.counter / 200,
                    "messages_out": 400 + i * 7,
                    "queue": i % 3
                })
            })
            .collect();
        let r = self.rng.below(500);
        let stats = json!({
            "at_ms": self.last_stats_ms, "uptime_ms": self.last_stats_ms - (START_MS - 7_200_000),
            "sockets": 200, "channels": 400 + self.joined.len(),
            "messages_in": 3_500 + r, "messages_out": 2_500 + r, "broadcasts": 2_000 + r,
            "http_requests": 1_000 + r, "http_avg_us": 900 + r, "http_max_us": 30_000 + r * 10,
            "events_dropped": 0, "topics": topics, "socket_counters": counters
        });
        wire::push("stats", stats).expect("a stats push")
    }

    /// Fills every buffer to its cap (series, traffic, requests), ending at
    /// [`START_MS`].
    fn prefill(&mut self, app: &mut DashboardApp) {
        for _ in 0..SERIES_CAP {
            let update = self.stats();
            app.apply(update);
        }
        // Requests are 10% of the mix: enough events to fill both logs.
        let needed = (REQUESTS_CAP * 12).max(TRAFFIC_CAP * 2);
        for chunk in 0..needed / 1000 {
            self.now_ms = START_MS - 60_000 + chunk as i64 * 1000;
            let update = self.events(1000);
            app.apply(update);
        }
        self.now_ms = START_MS;
        self.last_stats_ms = START_MS;
        let model = app.model();
        assert_eq!(model.traffic.len(), TRAFFIC_CAP, "traffic buffer full");
        assert_eq!(model.requests.len(), REQUESTS_CAP, "request buffer full");
        assert_eq!(model.series.len(), SERIES_CAP, "series full");
    }
}

// ------------------------------------------------------------- scenarios

/// A measured setup: a view, and what is typed or selected in it.
struct Scenario {
    name: &'static str,
    view: View,
    setup: fn(&mut DashboardApp),
}

fn nothing(_: &mut DashboardApp) {}

const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "overview",
        view: View::Overview,
        setup: nothing,
    },
    Scenario {
        name: "routes",
        view: View::Routes,
        setup: nothing,
    },
    Scenario {
        name: "sockets",
        view: View::Sockets,
        setup: nothing,
    },
    Scenario {
        name: "topics",
        view: View::Topics,
        setup: nothing,
    },
    Scenario {
        name: "traffic",
        view: View::Traffic,
        setup: nothing,
    },
    Scenario {
        name: "requests",
        view: View::Requests,
        setup: nothing,
    },
    Scenario {
        name: "traffic, filter rooms:1* / new_*",
        view: View::Traffic,
        setup: |app| {
            app.set_traffic_filter(TrafficFilter {
                topic: "rooms:1*".into(),
                event: "new_*".into(),
            })
        },
    },
    Scenario {
        name: "traffic, row details open",
        view: View::Traffic,
        setup: |app| app.show_showcase(View::Traffic),
    },
    Scenario {
        name: "sockets, details open",
        view: View::Sockets,
        setup: |app| app.show_showcase(View::Sockets),
    },
    Scenario {
        name: "topics, presence open",
        view: View::Topics,
        setup: |app| app.show_showcase(View::Topics),
    },
    Scenario {
        name: "requests, filter 5xx",
        view: View::Requests,
        setup: |app| app.set_requests_filter("5xx"),
    },
];

/// What one frame cost.
#[derive(Debug, Clone, Copy, Default)]
struct Sample {
    /// The whole frame: updates applied, UI pass, tessellation.
    cpu: Duration,
    /// Applying the updates alone.
    apply: Duration,
    /// The whole frame, wall-clock.
    wall: Duration,
    /// Vertices tessellated.
    vertices: usize,
}

/// A headless dashboard and its egui context.
struct Harness {
    ctx: egui::Context,
    app: DashboardApp,
    frame: u64,
}

impl Harness {
    fn new(scenario: &Scenario, synth: &mut Synth) -> Harness {
        // Nothing listens on port 1: the client's connection is refused and
        // it keeps retrying with backoff, quietly, on its own thread.
        let config = ClientConfig {
            url: "http://127.0.0.1:1".into(),
            ..ClientConfig::default()
        };
        let client = client::spawn(config.clone(), || ());
        let mut app = DashboardApp::with_client(client, config.url, scenario.view);
        app.apply(Update::Connection(ConnState::Joined));
        app.apply(wire::snapshot(synth.snapshot()).expect("a snapshot"));
        synth.prefill(&mut app);
        (scenario.setup)(&mut app);
        app.set_view(scenario.view);
        Harness {
            ctx: egui::Context::default(),
            app,
            frame: 0,
        }
    }

    /// Runs one frame, applying `updates` first (as the app's `logic` does).
    fn frame(&mut self, mut updates: Vec<Update>) -> Sample {
        let input = egui::RawInput {
            screen_rect: Some(egui::Rect::from_min_size(egui::Pos2::ZERO, SCREEN)),
            max_texture_side: Some(8192),
            time: Some(self.frame as f64 / 60.0),
            predicted_dt: 1.0 / 60.0,
            focused: true,
            ..Default::default()
        };
        self.frame += 1;
        let app = &mut self.app;
        let mut apply = Duration::ZERO;
        let wall = Instant::now();
        let start = thread_cpu();
        let output = self.ctx.run_ui(input, |ui| {
            if !updates.is_empty() {
                let before = thread_cpu();
                for update in updates.drain(..) {
                    app.apply(update);
                }
                apply += thread_cpu() - before;
            }
            app.show(ui);
        });
        let egui::FullOutput {
            mut textures_delta,
            shapes,
            pixels_per_point,
            ..
        } = output;
        let primitives = self.ctx.tessellate(shapes, pixels_per_point);
        let cpu = thread_cpu() - start;
        let wall = wall.elapsed();
        textures_delta.clear(); // no GPU to upload the font atlas to
        let vertices = primitives
            .iter()
            .map(|p| match &p.primitive {
                egui::epaint::Primitive::Mesh(mesh) => mesh.vertices.len(),
                egui::epaint::Primitive::Callback(_) => 0,
            })
            .sum();
        std::hint::black_box(primitives);
        Sample {
            cpu,
            apply,
            wall,
            vertices,
        }
    }
}

/// Percentiles of durations, in ms.
#[derive(Debug, Clone, Copy, Default)]
struct Stats {
    p50: f64,
    p99: f64,
    max: f64,
}

fn stats_of(samples: impl Iterator<Item = Duration>) -> Stats {
    let mut ms: Vec<f64> = samples.map(|d| d.as_secs_f64() * 1000.0).collect();
    if ms.is_empty() {
        return Stats::default();
    }
    ms.sort_by(f64::total_cmp);
    // Nearest rank.
    let rank = |p: f64| ms[((p * ms.len() as f64).ceil() as usize).clamp(1, ms.len()) - 1];
    Stats {
        p50: rank(0.50),
        p99: rank(0.99),
        max: ms[ms.len() - 1],
    }
}

/// The results of one scenario.
struct Row {
    name: &'static str,
    idle: Vec<Sample>,
    flood: Vec<Sample>,
    events: u64,
}

fn run(cli: &Cli, scenario: &Scenario, seed: u64) -> Row {
    let mut synth = Synth::new(seed);
    let mut harness = Harness::new(scenario, &mut synth);
    let ms_per_frame = 1000.0 / 60.0;
    // Idle: the clock runs, nothing arrives.
    for _ in 0..cli.warmup {
        harness.frame(Vec::new());
    }
    let idle = (0..cli.frames).map(|_| harness.frame(Vec::new())).collect();
    // Flood: events every `push_every_frames` frames, stats every second.
    let mut events = 0u64;
    let mut flood = Vec::with_capacity(cli.frames);
    let warmup = cli.warmup as u64;
    for frame in 0..warmup + cli.frames as u64 {
        synth.now_ms = START_MS + (frame as f64 * ms_per_frame) as i64;
        let mut updates = Vec::new();
        if (frame + 1).is_multiple_of(cli.push_every_frames) {
            let due = |f: u64| f * cli.events_per_second / 60;
            let count = due(frame + 1) - due(frame + 1 - cli.push_every_frames);
            updates.push(synth.events(count as usize));
            if frame >= warmup {
                events += count;
            }
        }
        if (frame + 1).is_multiple_of(60) {
            updates.push(synth.stats());
        }
        let sample = harness.frame(updates);
        if frame >= warmup {
            flood.push(sample);
        }
    }
    Row {
        name: scenario.name,
        idle,
        flood,
        events,
    }
}

fn main() {
    let cli = Cli::parse();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let profile = if cfg!(debug_assertions) {
        "debug (use --release for meaningful numbers)"
    } else {
        "release"
    };
    println!(
        "bench-dashboard: {profile}, {cores} cores, {} frames (+{} warm-up) per condition, \
         1280x800 at 60 fps, {CLOCK_NAME}",
        cli.frames, cli.warmup
    );
    println!(
        "flood: {} events/s = {:.1} per frame, one push every {} frame(s), stats every 60 frames; \
         buffers full ({TRAFFIC_CAP} traffic rows, {REQUESTS_CAP} requests, {SERIES_CAP} points)",
        cli.events_per_second,
        cli.events_per_second as f64 / 60.0,
        cli.push_every_frames
    );
    println!();
    let mut rows = Vec::new();
    for (i, scenario) in SCENARIOS.iter().enumerate() {
        eprint!("  {}…", scenario.name);
        let started = Instant::now();
        rows.push(run(&cli, scenario, 0x5eed + i as u64));
        eprintln!(" {:.1}s", started.elapsed().as_secs_f64());
    }
    eprintln!();

    println!("CPU time per frame, ms (updates applied + UI pass + tessellation)");
    let name_width = rows
        .iter()
        .map(|r| r.name.chars().count())
        .max()
        .unwrap_or(8);
    println!(
        "{:<name_width$} | {:>21} | {:>21} | {:>10} | {:>11}",
        "", "idle (baseline)", "flood", "flood/idle", "budget used"
    );
    println!(
        "{:<name_width$} | {:>6} {:>6} {:>7} | {:>6} {:>6} {:>7} | {:>10} | {:>11}",
        "view", "p50", "p99", "max", "p50", "p99", "max", "p99", "p99 flood"
    );
    println!("{}", "-".repeat(name_width + 77));
    for row in &rows {
        let idle = stats_of(row.idle.iter().map(|s| s.cpu));
        let flood = stats_of(row.flood.iter().map(|s| s.cpu));
        println!(
            "{:<name_width$} | {:>6.2} {:>6.2} {:>7.2} | {:>6.2} {:>6.2} {:>7.2} | {:>9.2}x | {:>10.0}%",
            row.name,
            idle.p50,
            idle.p99,
            idle.max,
            flood.p50,
            flood.p99,
            flood.max,
            flood.p99 / idle.p99.max(1e-9),
            flood.p99 / BUDGET_MS * 100.0
        );
    }
    println!();
    println!(
        "Applying the flood's updates alone, per frame (included above); wall-clock p99s; vertices"
    );
    println!(
        "{:<name_width$} | {:>6} {:>6} {:>7} | {:>9} | {:>9} {:>9} | {:>9} {:>9}",
        "view", "p50", "p99", "max", "events", "wall idle", "wall flood", "vtx idle", "vtx flood"
    );
    println!("{}", "-".repeat(name_width + 82));
    for row in &rows {
        let apply = stats_of(row.flood.iter().map(|s| s.apply));
        let wall_idle = stats_of(row.idle.iter().map(|s| s.wall));
        let wall_flood = stats_of(row.flood.iter().map(|s| s.wall));
        let median_vertices = |samples: &[Sample]| {
            let mut v: Vec<usize> = samples.iter().map(|s| s.vertices).collect();
            v.sort_unstable();
            v.get(v.len() / 2).copied().unwrap_or(0)
        };
        println!(
            "{:<name_width$} | {:>6.3} {:>6.3} {:>7.3} | {:>9} | {:>9.2} {:>10.2} | {:>9} {:>9}",
            row.name,
            apply.p50,
            apply.p99,
            apply.max,
            row.events,
            wall_idle.p99,
            wall_flood.p99,
            median_vertices(&row.idle),
            median_vertices(&row.flood),
        );
    }
}
