//! Bounded mailboxes for channel tasks and connections.
//!
//! There is one per joined channel and one per connection, so their fixed
//! cost matters at tens of thousands of sockets: tokio's channel allocates a
//! block of 32 slots up front, this one (futures' linked list plus a length
//! counter) allocates per message, and an idle mailbox costs a few dozen bytes.
//!
//! A mailbox holds at most `capacity` messages sent with [`Sender::try_send`];
//! one more is refused and marks the mailbox as overflowed, which its
//! receiver sees before its next message on [`Receiver::next`]. Control messages
//! ([`Sender::send_control`]: a channel's shutdown, a connection's lifecycle
//! events) are never refused: there are at most a few per channel.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Weak};

use futures_channel::mpsc;
use futures_util::StreamExt;

struct Shared {
    len: AtomicUsize,
    capacity: usize,
    overflowed: AtomicBool,
}

/// The sending half; cloneable.
pub(crate) struct Sender<T> {
    tx: mpsc::UnboundedSender<T>,
    shared: Arc<Shared>,
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        Sender {
            tx: self.tx.clone(),
            shared: self.shared.clone(),
        }
    }
}

/// Why a message was not queued.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum SendError<T> {
    /// The mailbox holds `capacity` messages already; it is now overflowed.
    Full(T),
    /// The receiver is gone.
    Closed(T),
}

/// The receiving half.
pub(crate) struct Receiver<T> {
    rx: mpsc::UnboundedReceiver<T>,
    shared: Arc<Shared>,
}

/// What [`Receiver::next`] found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Next<T> {
    /// The next message.
    Message(T),
    /// A message was refused because the mailbox was full.
    Overflowed,
    /// Every sender is gone.
    Closed,
}

/// A new mailbox that holds at most `capacity` messages (at least 1).
pub(crate) fn channel<T>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    let (tx, rx) = mpsc::unbounded();
    let shared = Arc::new(Shared {
        len: AtomicUsize::new(0),
        capacity: capacity.max(1),
        overflowed: AtomicBool::new(false),
    });
    (
        Sender {
            tx,
            shared: shared.clone(),
        },
        Receiver { rx, shared },
    )
}

impl<T> Sender<T> {
    /// Queues a message if the mailbox has room; a full mailbox refuses it
    /// and is marked overflowed.
    pub(crate) fn try_send(&self, message: T) -> Result<(), SendError<T>> {
        let shared = &self.shared;
        if shared.len.fetch_add(1, Ordering::AcqRel) >= shared.capacity {
            shared.len.fetch_sub(1, Ordering::AcqRel);
            shared.overflowed.store(true, Ordering::Release);
            return Err(SendError::Full(message));
        }
        self.tx.unbounded_send(message).map_err(|e| {
            shared.len.fetch_sub(1, Ordering::AcqRel);
            SendError::Closed(e.into_inner())
        })
    }

    /// Queues a control message, whatever the number of queued messages;
    /// `Err` gives it back if the receiver is gone.
    pub(crate) fn send_control(&self, message: T) -> Result<(), T> {
        self.shared.len.fetch_add(1, Ordering::AcqRel);
        self.tx.unbounded_send(message).map_err(|e| {
            self.shared.len.fetch_sub(1, Ordering::AcqRel);
            e.into_inner()
        })
    }

    /// The number of queued messages.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.shared.len.load(Ordering::Acquire)
    }

    /// The capacity given at creation.
    pub(crate) fn capacity(&self) -> usize {
        self.shared.capacity
    }

    /// A view of the mailbox's length that does not keep it alive.
    pub(crate) fn gauge(&self) -> Gauge {
        Gauge(Arc::downgrade(&self.shared))
    }
}

/// The length and capacity of a mailbox, for observers, while it exists.
pub(crate) struct Gauge(Weak<Shared>);

impl Gauge {
    /// Queued messages and capacity; `None` once both halves are gone.
    pub(crate) fn read(&self) -> Option<(usize, usize)> {
        self.0
            .upgrade()
            .map(|shared| (shared.len.load(Ordering::Acquire), shared.capacity))
    }
}

impl<T> Receiver<T> {
    /// The next message, ignoring overflows; `None` once every sender is gone.
    pub(crate) async fn recv(&mut self) -> Option<T> {
        let message = self.rx.next().await;
        if message.is_some() {
            self.shared.len.fetch_sub(1, Ordering::AcqRel);
        }
        message
    }

    /// A message already queued, without waiting.
    pub(crate) fn try_recv(&mut self) -> Option<T> {
        let message = self.rx.try_recv().ok();
        if message.is_some() {
            self.shared.len.fetch_sub(1, Ordering::AcqRel);
        }
        message
    }

    /// The next message, or [`Next::Overflowed`] once a message was refused
    /// (before any queued message). A receiver waits only on an empty
    /// mailbox, which cannot overflow, so checking before each message is
    /// enough.
    pub(crate) async fn next(&mut self) -> Next<T> {
        if self.shared.overflowed.load(Ordering::Acquire) {
            return Next::Overflowed;
        }
        match self.recv().await {
            Some(message) => Next::Message(message),
            None => Next::Closed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn holds_capacity_messages_then_reports_the_overflow_first() {
        let (tx, mut rx) = channel::<u32>(2);
        assert!(tx.try_send(1).is_ok());
        assert!(tx.try_send(2).is_ok());
        assert_eq!(tx.try_send(3), Err(SendError::Full(3)));
        assert_eq!(tx.len(), 2);
        assert_eq!(rx.next().await, Next::Overflowed);
        // Plain `recv` still drains what was queued.
        assert_eq!(rx.recv().await, Some(1));
        assert_eq!(tx.len(), 1);
    }

    #[tokio::test]
    async fn control_messages_pass_a_full_mailbox() {
        let (tx, mut rx) = channel::<u32>(1);
        tx.try_send(1).unwrap();
        tx.send_control(99).unwrap();
        assert_eq!(rx.recv().await, Some(1));
        assert_eq!(rx.recv().await, Some(99));
        assert_eq!(tx.len(), 0);
        // Room again: nothing was refused, so no overflow.
        tx.try_send(2).unwrap();
        assert_eq!(rx.next().await, Next::Message(2));
    }

    #[tokio::test]
    async fn a_waiting_receiver_wakes_on_overflow_and_on_close() {
        let (tx, mut rx) = channel::<u32>(1);
        let waiter = tokio::spawn(async move {
            let first = rx.next().await;
            (first, rx)
        });
        tokio::task::yield_now().await;
        tx.try_send(1).unwrap();
        let (first, mut rx) = waiter.await.unwrap();
        assert_eq!(first, Next::Message(1));
        tx.try_send(2).unwrap();
        assert!(matches!(tx.try_send(3), Err(SendError::Full(3))));
        assert_eq!(rx.next().await, Next::Overflowed);
        let (tx2, mut rx2) = channel::<u32>(1);
        drop(tx2);
        assert_eq!(rx2.next().await, Next::Closed);
        drop(tx);
    }
}
