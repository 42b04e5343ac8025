//! The real dashboard window under Xvfb, against a demo server with live chat
//! traffic: it takes a screenshot of each view (kept in
//! `target/dashboard-screenshots/`), and each must show something.
//!
//! `PHOENIX_SCREENSHOT_DELAY_MS` sets how long the traffic runs before the
//! first screenshot (4 s by default).
//!
//! Needs `xvfb-run` and Mesa's OpenGL; `.ci/test-all.sh` installs them and
//! runs this test (`cargo test -p phoenix-dashboard --test window -- --ignored`).

mod support;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use support::{http_get, user_socket};

const TOKEN: &str = "window-test";
const VIEWS: [&str; 6] = [
    "overview", "routes", "sockets", "topics", "traffic", "requests",
];

/// Chat users talking in the lobby, one coming and going in a side room,
/// and page views, until `stop`.
async fn chat_traffic(addr: SocketAddr, stop: Arc<AtomicBool>) {
    let names = ["alice", "bob", "carol", "dave", "erin"];
    let mut lobbies = Vec::new();
    let mut sockets = Vec::new();
    for name in names {
        let socket = user_socket(addr, name);
        let lobby = socket.channel("room:lobby", json!({}));
        lobby.join().await.expect("joins the lobby");
        lobbies.push(lobby);
        sockets.push(socket);
    }
    let paths = [
        "/",
        "/pages/about",
        "/ping",
        "/users/1/comments",
        "/no/such/page",
    ];
    let mut tick = tokio::time::interval(Duration::from_millis(40));
    let mut side = None;
    let mut n = 0usize;
    while !stop.load(Ordering::Relaxed) {
        tick.tick().await;
        n += 1;
        // `new_msg` gets no reply (it broadcasts): do not wait for one.
        let lobby = lobbies[n % lobbies.len()].clone();
        let body = format!("message {n} from {}", names[n % names.len()]);
        tokio::spawn(async move { lobby.push("new_msg", json!({ "body": body })).await });
        if n.is_multiple_of(3) {
            http_get(addr, paths[(n / 3) % paths.len()]).await;
        }
        // A channel joins once: each visit to the side room is a new one.
        match (n % 50, side.take()) {
            (10, _) => {
                let channel = sockets[4].channel("room:side", json!({}));
                let _ = channel.join().await;
                side = Some(channel);
            }
            (35, Some(channel)) => {
                let _ = channel.leave().await;
            }
            (_, kept) => side = kept,
        }
    }
}

fn screenshots_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../target")));
    target.join("dashboard-screenshots")
}

/// Width, height, distinct colours, and the share of pixels that differ from
/// the most common colour (the background).
fn look_at(path: &PathBuf) -> (u32, u32, usize, f64) {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let decoder = png::Decoder::new(std::io::BufReader::new(file));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let mut counts = std::collections::HashMap::new();
    for px in buf[..info.buffer_size()].chunks(channels) {
        *counts.entry(px[..3].to_vec()).or_insert(0usize) += 1;
    }
    let total = (info.width * info.height) as f64;
    let background = counts.values().copied().max().unwrap_or(0) as f64;
    (
        info.width,
        info.height,
        counts.len(),
        1.0 - background / total,
    )
}

#[test]
#[ignore = "needs Xvfb and Mesa: .ci/test-all.sh installs them and runs it"]
fn the_window_shows_every_view_with_live_data() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let server = rt.block_on(support::serve(0, TOKEN));
    let addr = server.addr;
    let stop = Arc::new(AtomicBool::new(false));
    let traffic = rt.spawn(chat_traffic(addr, stop.clone()));

    // Longer runs give fuller plots (the README's pictures use 40000).
    let delay_ms = std::env::var("PHOENIX_SCREENSHOT_DELAY_MS").unwrap_or_else(|_| "4000".into());
    let dir = screenshots_dir();
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let output = std::process::Command::new("xvfb-run")
        .args(["-a", "-s", "-screen 0 1280x800x24"])
        .arg(env!("CARGO_BIN_EXE_phoenix-dashboard"))
        .args(["--url", &format!("http://{addr}"), "--token", TOKEN])
        .arg("--payloads")
        .arg("--screenshots")
        .arg(&dir)
        .args(["--screenshot-delay-ms", &delay_ms])
        .output()
        .expect("xvfb-run runs (install the xvfb package)");
    stop.store(true, Ordering::Relaxed);
    let _ = rt.block_on(traffic);
    assert!(
        output.status.success(),
        "the dashboard failed: {}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    for view in VIEWS {
        let path = dir.join(format!("{view}.png"));
        let (width, height, colours, ink) = look_at(&path);
        println!(
            "{}: {width}x{height}, {colours} colours, {:.1}% not background",
            path.display(),
            ink * 100.0
        );
        assert!(width >= 1000 && height >= 600, "{view}: {width}x{height}");
        assert!(colours >= 16, "{view} looks blank: {colours} colours");
        assert!(ink >= 0.02, "{view} looks blank: {:.2}% drawn", ink * 100.0);
    }
}
