//! The seed's PubSub logger: a worker subscribed to `"logging"` that prints
//! the controller actions broadcast there.

use phoenix::pubsub::PubSub;

/// Starts the worker; it runs until the PubSub is dropped.
pub fn start(pubsub: &PubSub) -> tokio::task::JoinHandle<()> {
    let mut logging = pubsub.subscribe("logging");
    tokio::spawn(async move {
        while let Some(message) = logging.recv().await {
            if message.event == "action" {
                let params = message.payload.as_json().cloned().unwrap_or_default();
                tracing::info!(
                    "Called action {} in controller {}",
                    params["action"].as_str().unwrap_or("?"),
                    params["controller"].as_str().unwrap_or("?")
                );
            }
        }
    })
}
