//! A room of joined subscribers and one sender, with broadcasts kept in
//! flight and the time until each reached every member.

use std::sync::atomic::{AtomicU32, Ordering};

use futures_util::stream::SplitSink;
use tokio::task::JoinHandle;

use super::*;

/// Broadcast numbers are counted in a ring this long; far more than are
/// ever in flight at once.
const RING: usize = 4096;

/// How long one broadcast may take to reach everyone before the run fails,
/// naming it (a lost delivery must not hang the benchmark).
const LOST_AFTER: Duration = Duration::from_secs(60);

/// Counts the deliveries of each broadcast and reports the moment the last
/// member received it.
struct Tally {
    counts: Vec<AtomicU32>,
    members: AtomicU32,
    done: mpsc::UnboundedSender<(u64, Instant)>,
}

impl Tally {
    fn heard(&self, text: &str) {
        let Some(n) = shout_number(text) else {
            return;
        };
        let slot = &self.counts[n as usize % RING];
        if slot.fetch_add(1, Ordering::AcqRel) + 1 == self.members.load(Ordering::Acquire) {
            slot.store(0, Ordering::Release);
            let _ = self.done.send((n, Instant::now()));
        }
    }
}

/// The `n` of a `shout` frame (`[.., "shout", {"n": 12}]`), without a full
/// JSON parse: the client side must stay cheap next to the server.
fn shout_number(text: &str) -> Option<u64> {
    if !text.contains("\"shout\"") {
        return None;
    }
    let at = text.find("\"n\":")? + 4;
    let digits: String = text[at..]
        .chars()
        .skip_while(|c| *c == ' ')
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// How long [`Room::run`] keeps broadcasting.
pub enum Until {
    /// This many broadcasts in all.
    Count(u64),
    /// Start new broadcasts for this long, then let the last ones land.
    For(Duration),
}

/// What a run measured.
pub struct Run {
    /// Time from sending each broadcast until its last member had it.
    pub latencies: Vec<Duration>,
    /// From the first send to the last completion.
    pub elapsed: Duration,
    /// Broadcasts times members.
    pub deliveries: u64,
}

impl Run {
    /// Deliveries per second.
    pub fn deliveries_per_s(&self) -> f64 {
        self.deliveries as f64 / self.elapsed.as_secs_f64()
    }

    /// The `q` quantile of the latencies (0.5 for the median).
    pub fn quantile(&self, q: f64) -> Duration {
        let mut sorted = self.latencies.clone();
        sorted.sort_unstable();
        sorted
            .get(((sorted.len() as f64 - 1.0) * q).round() as usize)
            .copied()
            .unwrap_or_default()
    }
}

/// Joined sockets on one topic, each read by its own task, and a sender
/// (joined too, so it receives its own broadcasts).
pub struct Room {
    topic: String,
    tally: Arc<Tally>,
    done: mpsc::UnboundedReceiver<(u64, Instant)>,
    sender: SplitSink<Ws, Message>,
    readers: Vec<JoinHandle<()>>,
    members: usize,
    next: u64,
}

impl Room {
    /// A room with only its sender.
    pub async fn open(addr: SocketAddr, topic: &str) -> Room {
        let (done_tx, done) = mpsc::unbounded_channel();
        let tally = Arc::new(Tally {
            counts: (0..RING).map(|_| AtomicU32::new(0)).collect(),
            members: AtomicU32::new(0),
            done: done_tx,
        });
        let mut ws = connect(addr, "sender").await;
        join(&mut ws, topic).await;
        let (sender, source) = ws.split();
        let mut room = Room {
            topic: topic.to_string(),
            tally,
            done,
            sender,
            readers: Vec::new(),
            members: 0,
            next: 0,
        };
        room.read(source);
        room
    }

    /// Members, the sender included.
    pub fn members(&self) -> usize {
        self.members
    }

    fn read(&mut self, mut source: futures_util::stream::SplitStream<Ws>) {
        let tally = self.tally.clone();
        self.readers.push(tokio::spawn(async move {
            while let Some(Ok(message)) = source.next().await {
                if let Message::Text(text) = message {
                    tally.heard(&text);
                }
            }
        }));
        self.members += 1;
    }

    /// Adds `n` joined subscribers on `servers` in turn, 250 joining at a time.
    pub async fn grow(&mut self, servers: &[SocketAddr], n: usize) {
        let mut opened = 0;
        while opened < n {
            let batch = (n - opened).min(250);
            let first = self.members;
            let joins: Vec<_> = (0..batch)
                .map(|i| {
                    let addr = servers[(first + i) % servers.len()];
                    let topic = self.topic.clone();
                    tokio::spawn(async move {
                        let mut ws = connect(addr, &format!("u{}", first + i)).await;
                        join(&mut ws, &topic).await;
                        ws
                    })
                })
                .collect();
            for handle in joins {
                let (_, source) = handle.await.unwrap().split();
                self.read(source);
            }
            opened += batch;
        }
    }

    async fn send(&mut self, sent: &mut HashMap<u64, Instant>) {
        self.next += 1;
        let n = self.next;
        let frame = json!(["1", n.to_string(), self.topic, "shout", { "n": n }]).to_string();
        sent.insert(n, Instant::now());
        self.sender.send(Message::text(frame)).await.unwrap();
    }

    /// Keeps `in_flight` broadcasts unfinished at all times: each time one
    /// has reached every member, the next is sent.
    pub async fn run(&mut self, in_flight: usize, until: Until) -> Run {
        self.tally
            .members
            .store(self.members as u32, Ordering::Release);
        let start = Instant::now();
        let (count, deadline) = match until {
            Until::Count(n) => (n, None),
            Until::For(d) => (u64::MAX, Some(start + d)),
        };
        let mut sent = HashMap::new();
        let mut started = 0;
        while started < count && sent.len() < in_flight {
            self.send(&mut sent).await;
            started += 1;
        }
        let mut latencies = Vec::new();
        let mut last = start;
        while !sent.is_empty() {
            let (n, at) = match tokio::time::timeout(LOST_AFTER, self.done.recv()).await {
                Ok(Some(done)) => done,
                _ => panic!(
                    "broadcasts {:?} did not reach all {} members within {LOST_AFTER:?}",
                    sent.keys().collect::<Vec<_>>(),
                    self.members
                ),
            };
            let sent_at = sent.remove(&n).expect("a broadcast this run sent");
            latencies.push(at - sent_at);
            last = last.max(at);
            let more = started < count && deadline.is_none_or(|d| Instant::now() < d);
            if more {
                self.send(&mut sent).await;
                started += 1;
            }
        }
        Run {
            deliveries: latencies.len() as u64 * self.members as u64,
            latencies,
            elapsed: last - start,
        }
    }
}

impl Drop for Room {
    fn drop(&mut self) {
        for reader in &self.readers {
            reader.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::shout_number;

    #[test]
    fn reads_the_number_of_a_shout() {
        assert_eq!(
            shout_number(r#"[null,null,"room:a","shout",{"n":42}]"#),
            Some(42)
        );
        assert_eq!(
            shout_number(r#"["1","3","room:a","phx_reply",{"n":1}]"#),
            None
        );
    }
}
