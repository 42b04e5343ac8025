//! What `phx server` answers while no build of the application runs.

use std::io::Read;
use std::net::TcpListener;
use std::time::Duration;

/// What `phx` answers while no build of the application runs (the first
/// build failed, or the application stopped): a page with the reason that
/// refreshes itself until the application is back.
#[derive(Default)]
pub struct Fallback {
    /// Why nothing serves; `None` while the application runs.
    reason: std::sync::Mutex<Option<String>>,
}

impl Fallback {
    pub fn set(&self, reason: Option<String>) {
        *self.reason.lock().unwrap_or_else(|e| e.into_inner()) = reason;
    }

    fn reason(&self) -> Option<String> {
        self.reason
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Answers connections while there is a reason, on its own thread.
    pub fn serve(self: std::sync::Arc<Self>, listener: TcpListener) {
        std::thread::spawn(move || loop {
            let Some(reason) = self.reason() else {
                std::thread::sleep(Duration::from_millis(50));
                continue;
            };
            match listener.accept() {
                Ok((stream, _)) => answer(stream, &reason),
                Err(err) if err.kind() == std::io::ErrorKind::WouldBlock => {
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(_) => std::thread::sleep(Duration::from_millis(200)),
            }
        });
    }
}

/// A 503 page showing `reason`, refreshing every 2 seconds.
fn answer(mut stream: std::net::TcpStream, reason: &str) {
    use std::io::Write;
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    // The request itself does not matter; read what has arrived.
    let mut head = [0u8; 4096];
    let _ = stream.read(&mut head);
    let error = phoenix::live_reload::strip_ansi(reason);
    // maud escapes the compiler's text.
    let body = maud::html! {
        (maud::DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta http-equiv="refresh" content="2";
                title { "phx: not running" }
            }
            body style="font-family:system-ui;margin:2rem" {
                h1 { "The application is not running" }
                p { "phx rebuilds it when you save a change; this page refreshes by itself." }
                pre #phx-build-error
                    style="background:#1f2328;color:#f6f8fa;padding:1rem;white-space:pre-wrap" { (error) }
            }
        }
    }
    .into_string();
    let response = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/html; charset=utf-8\r\n\
         content-length: {}\r\ncache-control: no-store\r\nretry-after: 2\r\n\
         connection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fallback_page_shows_the_reason_escaped() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let address = listener.local_addr().unwrap();
        let fallback = std::sync::Arc::new(Fallback::default());
        fallback.set(Some("error[E0308]: <mismatched> types".into()));
        fallback.clone().serve(listener);
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        use std::io::Write;
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        stream
            .write_all(b"GET / HTTP/1.1\r\nhost: x\r\n\r\n")
            .unwrap();
        let mut page = String::new();
        stream.read_to_string(&mut page).unwrap();
        assert!(page.starts_with("HTTP/1.1 503"), "{page}");
        assert!(
            page.contains("error[E0308]: &lt;mismatched&gt; types"),
            "{page}"
        );
    }
}
