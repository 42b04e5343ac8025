//! The endpoint's limits at work (`[limits]` and [`SocketLimits`]): socket
//! slots per endpoint and per IP, token buckets for message and join rates,
//! and warnings that cannot flood the log.
//!
//! [`SocketLimits`]: crate::socket::SocketLimits

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use poem::http::StatusCode;

use crate::config::LimitsConfig;

/// A warning logged at most once a second; the lines held back are counted
/// in the next one, so an attack shows in the log without filling it.
#[derive(Debug, Default)]
pub(crate) struct Throttled {
    second: AtomicU64,
    held_back: AtomicU64,
}

impl Throttled {
    /// Calls `log` with the number of lines held back since the last one,
    /// unless a line was already logged this second.
    pub(crate) fn warn(&self, log: impl FnOnce(u64)) {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        self.warn_at(now, log);
    }

    fn warn_at(&self, now: u64, log: impl FnOnce(u64)) {
        let last = self.second.load(Ordering::Relaxed);
        if last != now
            && self
                .second
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            log(self.held_back.swap(0, Ordering::Relaxed));
        } else {
            self.held_back.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Counts the endpoint's open socket connections, in all and per IP.
#[derive(Debug)]
pub(crate) struct SocketSlots {
    max: usize,
    max_per_ip: usize,
    open: AtomicUsize,
    per_ip: Mutex<HashMap<IpAddr, usize>>,
    full: Throttled,
    ip_full: Throttled,
    /// Warnings of connections over their message or join rate.
    pub(crate) messages_limited: Throttled,
    pub(crate) joins_limited: Throttled,
}

impl SocketSlots {
    /// Slots for the `[limits]` of a config (the defaults without one).
    pub(crate) fn new(limits: &LimitsConfig) -> Arc<SocketSlots> {
        Arc::new(SocketSlots {
            max: limits.max_sockets,
            max_per_ip: limits.max_sockets_per_ip,
            open: AtomicUsize::new(0),
            per_ip: Mutex::new(HashMap::new()),
            full: Throttled::default(),
            ip_full: Throttled::default(),
            messages_limited: Throttled::default(),
            joins_limited: Throttled::default(),
        })
    }

    /// A slot for a new connection from `ip`, or the status that refuses it:
    /// 503 when the endpoint is full, 429 when this IP has its share.
    pub(crate) fn acquire(
        self: &Arc<Self>,
        ip: Option<IpAddr>,
        socket: &str,
    ) -> Result<SocketSlot, StatusCode> {
        let open = self.open.fetch_add(1, Ordering::AcqRel);
        if open >= self.max {
            self.open.fetch_sub(1, Ordering::AcqRel);
            self.full.warn(|held_back| {
                tracing::warn!(
                    socket,
                    held_back,
                    "socket refused with 503: {} connections open, the endpoint's \
                     `limits.max_sockets`",
                    self.max
                );
            });
            return Err(StatusCode::SERVICE_UNAVAILABLE);
        }
        let ip = ip.filter(|_| self.max_per_ip > 0);
        if let Some(ip) = ip {
            let mut per_ip = self.per_ip.lock().unwrap_or_else(|e| e.into_inner());
            let count = per_ip.entry(ip).or_insert(0);
            if *count >= self.max_per_ip {
                drop(per_ip);
                self.open.fetch_sub(1, Ordering::AcqRel);
                self.ip_full.warn(|held_back| {
                    tracing::warn!(
                        socket,
                        %ip,
                        held_back,
                        "socket refused with 429: {} connections open from this address, \
                         `limits.max_sockets_per_ip`",
                        self.max_per_ip
                    );
                });
                return Err(StatusCode::TOO_MANY_REQUESTS);
            }
            *count += 1;
        }
        Ok(SocketSlot {
            slots: self.clone(),
            ip,
        })
    }

    /// Connections open now.
    #[cfg(test)]
    pub(crate) fn open(&self) -> usize {
        self.open.load(Ordering::Acquire)
    }
}

/// One open connection's place; given back when dropped.
#[derive(Debug)]
pub(crate) struct SocketSlot {
    slots: Arc<SocketSlots>,
    ip: Option<IpAddr>,
}

impl SocketSlot {
    /// The endpoint's slots (for their shared warnings).
    pub(crate) fn slots(&self) -> &SocketSlots {
        &self.slots
    }
}

impl Drop for SocketSlot {
    fn drop(&mut self) {
        if let Some(ip) = self.ip {
            let mut per_ip = self.slots.per_ip.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(count) = per_ip.get_mut(&ip) {
                *count -= 1;
                if *count == 0 {
                    per_ip.remove(&ip);
                }
            }
        }
        self.slots.open.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A token bucket: `rate` tokens a second, holding at most a second's worth
/// (24 bytes: every connection has two).
#[derive(Debug)]
pub(crate) struct TokenBucket {
    rate: f32,
    tokens: f32,
    last: Instant,
}

impl TokenBucket {
    /// A full bucket; a rate of 0 lets everything through.
    pub(crate) fn new(rate: u32) -> TokenBucket {
        let rate = rate as f32;
        TokenBucket {
            rate,
            tokens: rate,
            last: Instant::now(),
        }
    }

    /// Takes a token if there is one.
    pub(crate) fn take(&mut self) -> bool {
        self.take_at(Instant::now())
    }

    fn take_at(&mut self, now: Instant) -> bool {
        if self.rate == 0.0 {
            return true;
        }
        let elapsed = now.saturating_duration_since(self.last).as_secs_f32();
        self.last = now;
        self.tokens = (self.tokens + elapsed * self.rate).min(self.rate.max(1.0));
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_bucket_allows_its_burst_then_its_rate() {
        let mut bucket = TokenBucket::new(10);
        let start = bucket.last;
        let taken = (0..20).filter(|_| bucket.take_at(start)).count();
        assert_eq!(taken, 10, "the burst: a second's worth");
        // Two seconds later: twenty more at the rate, capped at ten.
        let later = start + Duration::from_secs(2);
        assert_eq!((0..20).filter(|_| bucket.take_at(later)).count(), 10);
        let soon = later + Duration::from_millis(250);
        assert_eq!((0..20).filter(|_| bucket.take_at(soon)).count(), 2);
        let mut unlimited = TokenBucket::new(0);
        assert!((0..1000).all(|_| unlimited.take()));
    }

    #[test]
    fn slots_count_per_endpoint_and_per_ip_and_come_back() {
        let limits = LimitsConfig {
            max_sockets: 3,
            max_sockets_per_ip: 2,
            ..LimitsConfig::default()
        };
        let slots = SocketSlots::new(&limits);
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        let first = slots.acquire(Some(a), "s").unwrap();
        let _second = slots.acquire(Some(a), "s").unwrap();
        assert_eq!(
            slots.acquire(Some(a), "s").unwrap_err(),
            StatusCode::TOO_MANY_REQUESTS
        );
        let _third = slots.acquire(Some(b), "s").unwrap();
        assert_eq!(
            slots.acquire(Some(b), "s").unwrap_err(),
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert_eq!(slots.open(), 3);
        drop(first);
        assert_eq!(slots.open(), 2);
        assert!(slots.acquire(Some(a), "s").is_ok(), "a slot came back");
    }

    #[test]
    fn throttled_warnings_count_what_they_hold_back() {
        let throttled = Throttled::default();
        let mut logged = Vec::new();
        for _ in 0..5 {
            throttled.warn_at(100, |held_back| logged.push(held_back));
        }
        assert_eq!(logged, [0], "one line this second");
        throttled.warn_at(101, |held_back| logged.push(held_back));
        assert_eq!(logged, [0, 4], "the next second's line counts the others");
    }
}
