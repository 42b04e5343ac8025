//! What is sampled each second: the server's own figures (printed by the
//! child as `SAMPLE {json}`) and the load's counters over that second.

use serde::{Deserialize, Serialize};

/// The server process, as it sees itself at one moment.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ServerSample {
    /// Resident memory (VmRSS), KB.
    pub rss_kb: u64,
    /// Open file descriptors (sockets, the log, the database).
    pub open_files: u64,
    /// OS threads.
    pub threads: u64,
    /// Live tokio tasks.
    pub tasks: u64,
    /// Tasks waiting in the runtime's global queue.
    pub runtime_queue: u64,
    /// Live socket connections.
    pub sockets: u64,
    /// Joined channels.
    pub channels: u64,
    /// Frames waiting in all outbound queues.
    pub out_queued: u64,
    /// Frames waiting in the fullest outbound queue.
    pub out_queue_max: u64,
    /// PubSub topics with a subscriber on this node.
    pub topics: u64,
    /// PubSub subscriptions on this node.
    pub subscriptions: u64,
    /// Presence entries (metas) this node tracks.
    pub presences: u64,
}

/// What the load did over one second (or the whole run, for totals).
#[derive(Debug, Clone, Copy, Default)]
pub struct LoadSample {
    /// HTTP responses with the expected status.
    pub http_ok: u64,
    /// HTTP responses with another status, or none.
    pub http_errors: u64,
    /// WebSocket connections opened.
    pub connects: u64,
    /// Connections that failed or were refused.
    pub connect_errors: u64,
    /// Joins answered ok.
    pub joins: u64,
    /// Joins refused or unanswered.
    pub join_errors: u64,
    /// Leaves answered.
    pub leaves: u64,
    /// Broadcasts pushed by the publisher.
    pub broadcasts: u64,
    /// Frames the clients received.
    pub frames_in: u64,
    /// Slow consumers that lost their connection (no heartbeat reply in
    /// time, or closed by the server) and reconnected.
    pub slow_dropped: u64,
    /// Steady clients whose connection ended unasked (they reconnect).
    pub steady_dropped: u64,
    /// Clients that dropped their connection without a close frame.
    pub vanished: u64,
    /// Clients that went silent (dropped later).
    pub silent: u64,
}

impl LoadSample {
    /// The counts of this snapshot minus an earlier one.
    pub fn since(&self, earlier: &LoadSample) -> LoadSample {
        let d = |a: u64, b: u64| a.saturating_sub(b);
        LoadSample {
            http_ok: d(self.http_ok, earlier.http_ok),
            http_errors: d(self.http_errors, earlier.http_errors),
            connects: d(self.connects, earlier.connects),
            connect_errors: d(self.connect_errors, earlier.connect_errors),
            joins: d(self.joins, earlier.joins),
            join_errors: d(self.join_errors, earlier.join_errors),
            leaves: d(self.leaves, earlier.leaves),
            broadcasts: d(self.broadcasts, earlier.broadcasts),
            frames_in: d(self.frames_in, earlier.frames_in),
            slow_dropped: d(self.slow_dropped, earlier.slow_dropped),
            steady_dropped: d(self.steady_dropped, earlier.steady_dropped),
            vanished: d(self.vanished, earlier.vanished),
            silent: d(self.silent, earlier.silent),
        }
    }

    /// The run's totals, per second where it helps.
    pub fn summary(&self, duration: std::time::Duration) -> String {
        let s = duration.as_secs_f64().max(1.0);
        format!(
            "load: {} HTTP answers ({:.0}/s), {} HTTP errors; {} connects ({:.0}/s), {} refused; {} joins ({:.0}/s), {} refused; {} leaves; {} broadcasts pushed, {} frames received ({:.0}/s); {} slow consumers cut off, {} steady clients dropped; {} vanished without a close frame, {} went silent",
            self.http_ok,
            self.http_ok as f64 / s,
            self.http_errors,
            self.connects,
            self.connects as f64 / s,
            self.connect_errors,
            self.joins,
            self.joins as f64 / s,
            self.join_errors,
            self.leaves,
            self.broadcasts,
            self.frames_in,
            self.frames_in as f64 / s,
            self.slow_dropped,
            self.steady_dropped,
            self.vanished,
            self.silent,
        )
    }

    /// Why these totals show the load did not run as meant (empty if it did).
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let checks = [
            ("HTTP answers", self.http_ok),
            ("broadcasts", self.broadcasts),
            ("frames received", self.frames_in),
            ("joins", self.joins),
            ("leaves", self.leaves),
            ("vanishing clients", self.vanished),
        ];
        for (what, count) in checks {
            if count == 0 {
                problems.push(format!("the load made no {what}"));
            }
        }
        // A few errors happen (a request cut by a slow moment); more than
        // one in a hundred means the server refused the load.
        if self.http_errors * 100 > self.http_ok.max(1) {
            problems.push(format!(
                "{} HTTP errors for {} answers",
                self.http_errors, self.http_ok
            ));
        }
        if (self.join_errors + self.connect_errors) * 100 > self.joins.max(1) {
            problems.push(format!(
                "{} refused joins and {} refused connects for {} joins",
                self.join_errors, self.connect_errors, self.joins
            ));
        }
        problems
    }
}

/// One second of the run.
#[derive(Debug, Clone)]
pub struct Row {
    /// Seconds since the load started.
    pub t: f64,
    /// The server's sample.
    pub server: ServerSample,
    /// The load over that second.
    pub load: LoadSample,
}

impl Row {
    /// A one-line report of this second.
    pub fn progress(&self) -> String {
        let s = &self.server;
        let l = &self.load;
        format!(
            "t={:>5.0}s rss={:>6.1} MB files={:>5} tasks={:>6} sockets={:>5} channels={:>5} queued={:>5} (max {:>4}) presences={:>4} | http {:>4}/s joins {:>4}/s frames {:>6}/s",
            self.t,
            s.rss_kb as f64 / 1024.0,
            s.open_files,
            s.tasks,
            s.sockets,
            s.channels,
            s.out_queued,
            s.out_queue_max,
            s.presences,
            l.http_ok,
            l.joins,
            l.frames_in
        )
    }
}

/// The rows as CSV, one line per second.
pub fn csv(rows: &[Row]) -> String {
    let mut out = String::from(
        "t,rss_kb,open_files,threads,tasks,runtime_queue,sockets,channels,out_queued,out_queue_max,topics,subscriptions,presences,http_ok,http_errors,connects,joins,leaves,broadcasts,frames_in,slow_dropped,vanished,silent\n",
    );
    for r in rows {
        let (s, l) = (&r.server, &r.load);
        out.push_str(&format!(
            "{:.1},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
            r.t,
            s.rss_kb,
            s.open_files,
            s.threads,
            s.tasks,
            s.runtime_queue,
            s.sockets,
            s.channels,
            s.out_queued,
            s.out_queue_max,
            s.topics,
            s.subscriptions,
            s.presences,
            l.http_ok,
            l.http_errors,
            l.connects,
            l.joins,
            l.leaves,
            l.broadcasts,
            l.frames_in,
            l.slow_dropped,
            l.vanished,
            l.silent
        ));
    }
    out
}
