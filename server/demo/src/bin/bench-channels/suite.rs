//! The default run: every channel workload against the bare server, in one
//! run, as a table of figures, ratios and targets.

use super::room::{Room, Until};
use super::*;

/// How a figure compares with its target.
#[derive(Clone, Copy)]
enum Target {
    /// Ours / bare at least this (throughputs).
    AtLeast(f64),
    /// Ours / bare at most this (latencies, CPU).
    AtMost(f64),
    /// Our own figure at most this (memory, in KB).
    OursAtMost(f64),
}

struct Row {
    name: String,
    bare: f64,
    ours: f64,
    target: Target,
}

impl Row {
    fn ratio(&self) -> f64 {
        self.ours / self.bare
    }

    fn meets(&self) -> bool {
        match self.target {
            Target::AtLeast(t) => self.ratio() >= t,
            Target::AtMost(t) => self.ratio() <= t,
            Target::OursAtMost(t) => self.ours <= t,
        }
    }

    fn target_text(&self) -> String {
        match self.target {
            Target::AtLeast(t) => format!(">= {t}x"),
            Target::AtMost(t) => format!("<= {t}x"),
            Target::OursAtMost(t) => format!("<= {t} KB"),
        }
    }
}

/// One server's figures.
struct Figures {
    echo: Echo,
    rss_per_socket_kb: f64,
    one_at_a_time_ms: f64,
    flowing_per_s: f64,
    flowing_cpu_us: f64,
    flowing_p50_ms: f64,
    small_ms: f64,
    mass_join_ms: f64,
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn measure(kind: &str, args: &Args) -> Figures {
    eprintln!("  {kind}: echo");
    let server = spawn_server(kind).await;
    let echo = echo(&server, args.echo_clients, args.seconds).await;
    drop(server);

    eprintln!("  {kind}: fan-out to {}", args.sockets);
    let server = spawn_server(kind).await;
    let pid = server.process.id().unwrap();
    let (mut room, rss_per_socket_kb) =
        joined_room(&[server.addr], pid, "room:fanout", args.sockets).await;
    room.run(1, Until::Count(3)).await; // warm up
    let one = room.run(1, Until::Count(20)).await;
    let cpu = cpu_time(pid);
    let flowing = room
        .run(
            args.in_flight,
            Until::For(Duration::from_secs(args.seconds)),
        )
        .await;
    let cpu = cpu_time(pid) - cpu;
    drop(room);
    drop(server);

    eprintln!("  {kind}: fan-out to {}", args.small_fan_out);
    let server = spawn_server(kind).await;
    let mut room = Room::open(server.addr, "room:small").await;
    room.grow(&[server.addr], args.small_fan_out).await;
    room.run(1, Until::Count(3)).await;
    let small = room.run(1, Until::Count(50)).await;
    drop(room);
    drop(server);

    eprintln!(
        "  {kind}: {} connecting and joining at once",
        args.mass_size
    );
    let server = spawn_server(kind).await;
    let mass = mass_join(&server, args.mass_size).await;
    drop(server);

    Figures {
        echo,
        rss_per_socket_kb,
        one_at_a_time_ms: ms(one.quantile(0.5)),
        flowing_per_s: flowing.deliveries_per_s(),
        flowing_cpu_us: cpu.as_secs_f64() * 1e6 / flowing.deliveries as f64,
        flowing_p50_ms: ms(flowing.quantile(0.5)),
        small_ms: ms(small.quantile(0.5)),
        mass_join_ms: ms(mass),
    }
}

fn rows(args: &Args, bare: &Figures, ours: &Figures) -> Vec<Row> {
    let (n, small, k) = (args.sockets, args.small_fan_out, args.in_flight);
    let row = |name: String, bare: f64, ours: f64, target| Row {
        name,
        bare,
        ours,
        target,
    };
    vec![
        row(
            format!("echo, {} clients: round trips/s", args.echo_clients),
            bare.echo.per_s,
            ours.echo.per_s,
            Target::AtLeast(0.9),
        ),
        row(
            "echo: server CPU per round trip, us".into(),
            bare.echo.cpu_us,
            ours.echo.cpu_us,
            Target::AtMost(1.2),
        ),
        row(
            "echo: p99, ms".into(),
            bare.echo.p99_ms,
            ours.echo.p99_ms,
            Target::AtMost(1.2),
        ),
        row(
            format!("fan-out to {n}, one at a time: all received p50, ms"),
            bare.one_at_a_time_ms,
            ours.one_at_a_time_ms,
            Target::AtMost(1.2),
        ),
        row(
            format!("fan-out to {n}, {k} in flight: deliveries/s"),
            bare.flowing_per_s,
            ours.flowing_per_s,
            Target::AtLeast(0.9),
        ),
        row(
            format!("fan-out to {n}, {k} in flight: server CPU per delivery, us"),
            bare.flowing_cpu_us,
            ours.flowing_cpu_us,
            Target::AtMost(1.2),
        ),
        row(
            format!("fan-out to {n}, {k} in flight: all received p50, ms"),
            bare.flowing_p50_ms,
            ours.flowing_p50_ms,
            Target::AtMost(1.2),
        ),
        row(
            format!("fan-out to {small}, one at a time: all received p50, ms"),
            bare.small_ms,
            ours.small_ms,
            Target::AtMost(1.2),
        ),
        row(
            format!(
                "{} connecting and joining at once: all joined, ms",
                args.mass_size
            ),
            bare.mass_join_ms,
            ours.mass_join_ms,
            Target::AtMost(1.2),
        ),
        row(
            format!("resident memory per idle joined socket ({n}), KB"),
            bare.rss_per_socket_kb,
            ours.rss_per_socket_kb,
            Target::OursAtMost(11.0),
        ),
    ]
}

fn print(rows: &[Row]) {
    println!(
        "{:<58} {:>11} {:>11} {:>7} {:>9}",
        "figure", "bare tokio", "demo", "ratio", "target"
    );
    for row in rows {
        println!(
            "{:<58} {:>11.1} {:>11.1} {:>6.2}x {:>9} {}",
            row.name,
            row.bare,
            row.ours,
            row.ratio(),
            row.target_text(),
            if row.meets() { "" } else { "  <- misses" }
        );
    }
}

/// Runs every workload on both servers, `args.rounds` times, and prints a
/// table per round and the median ratio of each figure.
pub async fn suite(args: &Args) {
    let mut rounds: Vec<Vec<Row>> = Vec::new();
    for round in 1..=args.rounds {
        eprintln!("round {round}");
        let bare = measure("baseline", args).await;
        let ours = measure("demo", args).await;
        let rows = rows(args, &bare, &ours);
        println!("\nround {round}");
        print(&rows);
        rounds.push(rows);
    }
    if rounds.len() > 1 {
        println!("\nmedian ratio over {} rounds", rounds.len());
        for (i, row) in rounds[0].iter().enumerate() {
            let mut ratios: Vec<f64> = rounds.iter().map(|r| r[i].ratio()).collect();
            ratios.sort_by(f64::total_cmp);
            println!("{:<58} {:>6.2}x", row.name, ratios[ratios.len() / 2]);
        }
    }
}

/// The shootout: clients join in steps and 4 broadcasts stay in flight
/// for a few seconds each step, until the p95 of the time until all
/// received passes the limit. Prints the most clients served under it.
pub async fn shootout(args: &Args) {
    let limit = Duration::from_millis(250);
    let mut most = Vec::new();
    for kind in ["baseline", "demo"] {
        let server = spawn_server(kind).await;
        let mut room = Room::open(server.addr, "room:shootout").await;
        let mut served = 0;
        println!("{kind}");
        while room.members() + args.step <= args.max_clients {
            room.grow(&[server.addr], args.step).await;
            let run = room.run(4, Until::For(Duration::from_secs(3))).await;
            let p95 = run.quantile(0.95);
            println!(
                "  {:>6} clients: p95 {:>7.1} ms, {:>9.0} deliveries/s",
                room.members() - 1,
                ms(p95),
                run.deliveries_per_s()
            );
            if p95 > limit {
                break;
            }
            served = room.members() - 1;
        }
        most.push(served);
    }
    println!(
        "\nmost clients with a broadcast p95 under {} ms: bare tokio {}, demo {}, ratio {:.2}x (target >= 0.9x)",
        limit.as_millis(),
        most[0],
        most[1],
        most[1] as f64 / most[0].max(1) as f64
    );
}
