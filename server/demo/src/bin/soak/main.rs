//! Soak: the demo under steady mixed load for a given time, sampled every
//! second, failing if anything the server holds grows without bound.
//!
//! ```text
//! cargo run --release -p demo --bin soak -- --minutes 30 --png soak.png
//! cargo run -p demo --bin soak -- --seconds 120          # what CI runs
//! ```
//!
//! The server is the demo as in production (its own child process,
//! `PHX_ENV=prod`, logging at info to `server.log`), with an observer that
//! follows its sockets; each second it prints a sample of itself: resident
//! memory, open files, threads, live tokio tasks and the runtime's queue,
//! sockets, joined channels, frames waiting in the outbound queues (total and
//! largest), PubSub topics and subscriptions, presence entries.
//!
//! The load, all at fixed rates from this process over 127.0.0.1:
//! - HTTP through both pipelines: the browser pipeline's page (a returning
//!   visitor with a session cookie and a new one without) and the JSON API,
//!   on keep-alive connections, one request in twenty on a new connection;
//! - `--sockets` WebSocket clients in all (5,000), most of them joined to one
//!   of `--rooms` rooms and every tenth to a presence room too, sending
//!   heartbeats as phoenix.js does;
//! - broadcasts into the rooms (`--broadcasts-per-second`), each to about
//!   sockets / rooms subscribers, and a firehose of 4 KB broadcasts
//!   (`--firehose-per-second`, 200);
//! - churn: `--churners` clients that connect as a new user, join a room and
//!   a presence room, stay 1–3 s, leave the presence room and go, one in four
//!   without a close frame;
//! - slow consumers: `--slow` clients on the firehose with a 4 KB receive
//!   buffer reading two frames a second; the server closes each when its
//!   queue overflows (counted from the warnings in its log), the client
//!   notices as phoenix.js would (its heartbeat goes unanswered) and comes
//!   back;
//! - clients that vanish: one a second drops its TCP connection without a
//!   close frame right after joining; one every two seconds goes silent
//!   (reads and sends nothing) and is dropped 75 s later, after the server's
//!   60 s idle timeout.
//!
//! After a warm-up (a fifth of the run, at least 20 s), each series is
//! judged on the medians of three equal spans (see `verdict`): it has grown
//! without bound if it rose from the first span to the second and the last
//! is above the first by more than the series' allowance. The run fails
//! (exit 1) if any series grew, if the server died, or if the load did not
//! run (no HTTP answers, broadcasts or churn, or too many errors). It writes
//! `samples.csv`, `server.log` and `soak.png` (the samples drawn with
//! plotters) under `--out`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Parser;

#[path = "../shared/http1.rs"]
mod http1;
mod load;
mod plot;
#[path = "../shared/procfs.rs"]
mod procfs;
mod sample;
mod serve;
mod verdict;

use sample::Row;

/// Options of the soak program.
#[derive(Parser, Clone, Debug)]
struct Args {
    /// Length of the run in seconds (after the sockets are connected).
    #[arg(long, default_value_t = 120)]
    seconds: u64,
    /// Length of the run in minutes (instead of `--seconds`).
    #[arg(long)]
    minutes: Option<u64>,
    /// WebSocket clients in all.
    #[arg(long, default_value_t = 5_000)]
    sockets: usize,
    /// Rooms the steady clients are spread over.
    #[arg(long, default_value_t = 50)]
    rooms: usize,
    /// Broadcasts per second into the rooms (each to sockets / rooms clients).
    #[arg(long, default_value_t = 20)]
    broadcasts_per_second: u32,
    /// 4 KB broadcasts per second into the slow consumers' firehose.
    #[arg(long, default_value_t = 200)]
    firehose_per_second: u32,
    /// Clients connecting, joining, leaving and going in a loop.
    #[arg(long, default_value_t = 100)]
    churners: usize,
    /// Slow consumers on the firehose.
    #[arg(long, default_value_t = 20)]
    slow: usize,
    /// HTTP requests per second (3/5 pages, 2/5 API).
    #[arg(long, default_value_t = 200)]
    http_per_second: u32,
    /// The server's log level.
    #[arg(long, default_value = "info")]
    log_level: String,
    /// Where samples.csv, server.log, soak.sqlite3 and soak.png go.
    #[arg(long, default_value = "target/soak")]
    out: PathBuf,
    /// Also write the plot here (e.g. for the README).
    #[arg(long)]
    png: Option<PathBuf>,
    /// Internal: be the server (a child process) and print samples.
    #[arg(long, hide = true)]
    serve: bool,
}

impl Args {
    fn duration(&self) -> Duration {
        Duration::from_secs(self.minutes.map_or(self.seconds, |m| m * 60))
    }
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    if args.serve {
        serve::run().await;
        return;
    }
    let passed = run(&args).await;
    std::process::exit(if passed { 0 } else { 1 });
}

/// Raises this process's open-files limit to its hard limit (children
/// inherit it); an error if that is below `needed`.
fn raise_open_files(needed: u64) -> Result<u64, String> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write the struct given.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return Err("cannot read the open-files limit".into());
        }
        if limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
            libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit);
        }
    }
    if limit.rlim_cur < needed {
        return Err(format!(
            "the open-files limit is {} (hard limit {}); {needed} are needed: lower --sockets or raise it (ulimit -n)",
            limit.rlim_cur, limit.rlim_max
        ));
    }
    Ok(limit.rlim_cur)
}

/// The whole run; whether it passed.
async fn run(args: &Args) -> bool {
    // Each process holds one end of every socket, and some more.
    if let Err(err) = raise_open_files(args.sockets as u64 + 500) {
        println!("FAILED: {err}");
        return false;
    }
    std::fs::create_dir_all(&args.out).expect("the --out folder");
    let out = std::fs::canonicalize(&args.out).expect("the --out folder");
    let mut server = serve::Child::spawn(&out, &args.log_level).await;
    let addr = server.addr;
    println!(
        "soak: the demo (PHX_ENV=prod, log {}) on {addr}, {} sockets, {} rooms, {} broadcasts/s, firehose {}/s, {} churners, {} slow consumers, {} HTTP requests/s, for {} s",
        args.log_level,
        args.sockets,
        args.rooms,
        args.broadcasts_per_second,
        args.firehose_per_second,
        args.churners,
        args.slow,
        args.http_per_second,
        args.duration().as_secs()
    );
    let load = load::Load::start(addr, args).await;
    println!(
        "connected: {} steady sockets in {:.1} s; load running\n",
        load.steady,
        load.connected_in.as_secs_f64()
    );

    let duration = args.duration();
    let report_every = if duration > Duration::from_secs(600) {
        60
    } else {
        10
    };
    server.skip_queued().await;
    let started = Instant::now();
    let mut rows: Vec<Row> = Vec::new();
    let mut previous = load.counters.snapshot();
    let mut died = None;
    while started.elapsed() < duration {
        let Some(server_sample) = server.next_sample(Duration::from_secs(10)).await else {
            died = Some(server.log_tail());
            break;
        };
        let now = load.counters.snapshot();
        let row = Row {
            t: started.elapsed().as_secs_f64(),
            server: server_sample,
            load: now.since(&previous),
        };
        previous = now;
        if rows.len().is_multiple_of(report_every) {
            println!("{}", row.progress());
        }
        rows.push(row);
    }
    let counters = load.counters.clone();
    load.stop().await;
    let server = server.stop().await;

    let csv = out.join("samples.csv");
    std::fs::write(&csv, sample::csv(&rows)).expect("writes samples.csv");
    let mut pngs = vec![out.join("soak.png")];
    pngs.extend(args.png.clone());
    let title = format!(
        "soak: {} sockets, {} HTTP req/s, {} broadcasts/s, {} s",
        args.sockets,
        args.http_per_second,
        args.broadcasts_per_second,
        duration.as_secs()
    );
    for png in &pngs {
        match plot::draw(png, &title, &rows) {
            Ok(()) => println!("plot: {}", png.display()),
            Err(err) => println!("plot {} not drawn: {err}", png.display()),
        }
    }
    println!(
        "samples: {}\nserver log: {}\n",
        csv.display(),
        out.join("server.log").display()
    );

    if let Some(tail) = died {
        println!(
            "FAILED: the server stopped answering (no sample for 10 s); its log ends:\n{tail}"
        );
        return false;
    }
    let totals = counters.snapshot();
    println!("{}", totals.summary(duration));
    let cut_off = server.slow_consumers_closed();
    println!("the server closed {cut_off} connections as too slow (warnings in its log)");
    let findings = verdict::judge_all(&rows);
    println!("{}", verdict::table(&findings));
    let mut passed = !findings.is_empty();
    for finding in findings.iter().filter(|f| f.grew) {
        println!(
            "FAILED: {} grew without bound: {}",
            finding.name,
            finding.describe()
        );
        passed = false;
    }
    for problem in totals.problems() {
        println!("FAILED: {problem}");
        passed = false;
    }
    if args.slow > 0 && cut_off == 0 && args.log_level != "error" {
        println!("FAILED: the server closed no slow consumer");
        passed = false;
    }
    if passed {
        println!(
            "soak passed: nothing grew without bound over {} s",
            duration.as_secs()
        );
    }
    passed
}
