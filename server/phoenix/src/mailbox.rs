//! Unbounded mailboxes for channel tasks and connections.
//!
//! There is one per joined channel and one per connection, so their fixed
//! cost matters at tens of thousands of sockets: tokio's channel allocates a
//! block of 32 slots up front, this one (futures' linked list) allocates per
//! message, and an idle mailbox costs a few dozen bytes.

use futures_channel::mpsc;
use futures_util::StreamExt;

/// The sending half; cloneable.
pub(crate) struct Sender<T>(mpsc::UnboundedSender<T>);

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        Sender(self.0.clone())
    }
}

/// The receiving half.
pub(crate) struct Receiver<T>(mpsc::UnboundedReceiver<T>);

/// A new mailbox.
pub(crate) fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let (tx, rx) = mpsc::unbounded();
    (Sender(tx), Receiver(rx))
}

impl<T> Sender<T> {
    /// Queues a message; `Err` gives it back if the receiver is gone.
    pub(crate) fn send(&self, message: T) -> Result<(), T> {
        self.0.unbounded_send(message).map_err(|e| e.into_inner())
    }
}

impl<T> Receiver<T> {
    /// The next message; `None` once every sender is gone.
    pub(crate) async fn recv(&mut self) -> Option<T> {
        self.0.next().await
    }
}
