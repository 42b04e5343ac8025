//! Listening on HTTP and HTTPS, logging, graceful shutdown.

use std::future::Future;
use std::io::{self, IsTerminal};
use std::net::SocketAddr;
use std::time::Duration;

use poem::http::uri::Scheme;
use poem::listener::{
    Acceptor, AcceptorExt, Listener, RustlsCertificate, RustlsConfig, TcpAcceptor, TcpListener,
};
use poem::web::{LocalAddr, RemoteAddr};
use poem::Server;

use super::Endpoint;

/// Installs a `tracing` subscriber printing text to stderr at `level`
/// (`RUST_LOG` wins), coloured only when stderr is a terminal. Calling it
/// twice is harmless. Applications use [`init_logging_for`], which also
/// honours `log_format` and does not make requests wait on the log.
pub fn init_logging(level: &str) {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(env_filter(level))
        .with_target(false)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .try_init();
}

fn env_filter(level: &str) -> tracing_subscriber::EnvFilter {
    tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level))
}

/// Keeps the log writer's thread: hold it until the program ends (dropping
/// it writes out what is still queued).
#[must_use = "dropping the guard stops the log writer: hold it in main (`let _logs = ...`)"]
pub struct LogGuard {
    _writer: Option<super::log_writer::Flusher>,
}

impl std::fmt::Debug for LogGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("LogGuard").finish()
    }
}

/// Installs the application's `tracing` subscriber from its configuration:
/// `log_level` (`RUST_LOG` wins) and `log_format` (`text`, coloured only on
/// a terminal, or `json`, one object per line), written to stderr by a
/// thread of its own so requests never wait on the log. Each line logged
/// while serving a request carries its id (`x-request-id`). Calling it a
/// second time changes nothing.
pub fn init_logging_for(config: &crate::config::Config) -> LogGuard {
    let (writer, flusher) = super::log_writer::batch_writer(std::io::stderr());
    let filter = env_filter(&config.log_level);
    let installed = match config.log_format {
        crate::config::LogFormat::Text => tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_target(false)
            .with_ansi(std::io::stderr().is_terminal())
            .with_writer(writer)
            .try_init(),
        crate::config::LogFormat::Json => tracing_subscriber::fmt()
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .with_env_filter(filter)
            .with_writer(writer)
            .try_init(),
    };
    LogGuard {
        _writer: installed.is_ok().then_some(flusher),
    }
}

/// Installs SIGINT (Ctrl-C) and SIGTERM handlers now and returns a future
/// that resolves when either arrives.
///
/// The handlers are in place when this returns, so a signal sent any time
/// after (even before the future is first polled) is not lost. Must be
/// called inside a Tokio runtime.
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let interrupt = signal(SignalKind::interrupt()).ok();
        let terminate = signal(SignalKind::terminate()).ok();
        async move {
            let wait = |s: Option<tokio::signal::unix::Signal>| async move {
                match s {
                    Some(mut s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                _ = wait(interrupt) => {},
                _ = wait(terminate) => {},
            }
        }
    }
    #[cfg(not(unix))]
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Bound listeners, ready to serve.
pub struct Listening {
    endpoint: Endpoint,
    acceptor: poem::listener::BoxAcceptor,
    /// The HTTP address actually bound (port 0 picks one).
    pub http_addr: SocketAddr,
    /// The HTTPS address actually bound, if HTTPS is configured.
    pub https_addr: Option<SocketAddr>,
}

fn first_addr(addrs: Vec<poem::web::LocalAddr>) -> io::Result<SocketAddr> {
    addrs
        .into_iter()
        .find_map(|a| a.0.as_socket_addr().copied())
        .ok_or_else(|| io::Error::other("listener has no socket address"))
}

/// A TCP listener whose connections send small frames at once
/// (`TCP_NODELAY`): without it, a reply or a push of a few bytes can wait
/// 40 ms for the client's delayed acknowledgement.
struct NoDelay<T>(T);

impl<L> Listener for NoDelay<L>
where
    L: Listener,
    L::Acceptor: Acceptor<Io = tokio::net::TcpStream>,
{
    type Acceptor = NoDelay<L::Acceptor>;

    async fn into_acceptor(self) -> io::Result<Self::Acceptor> {
        Ok(NoDelay(self.0.into_acceptor().await?))
    }
}

impl<A: Acceptor<Io = tokio::net::TcpStream>> Acceptor for NoDelay<A> {
    type Io = tokio::net::TcpStream;

    fn local_addr(&self) -> Vec<LocalAddr> {
        self.0.local_addr()
    }

    async fn accept(&mut self) -> io::Result<(Self::Io, LocalAddr, RemoteAddr, Scheme)> {
        let (io, local, remote, scheme) = self.0.accept().await?;
        if let Err(err) = io.set_nodelay(true) {
            tracing::debug!("TCP_NODELAY not set on a connection: {err}");
        }
        Ok((io, local, remote, scheme))
    }
}

/// The listening TCP socket this process inherited by the systemd
/// socket-activation protocol (`LISTEN_FDS=1`, the socket at fd 3,
/// `LISTEN_PID` equal to our pid when set), if any. The variables are removed
/// from the environment, so processes this one starts do not inherit them;
/// the socket is marked close-on-exec.
fn inherited_listener() -> io::Result<Option<std::net::TcpListener>> {
    let mut fds = listenfd::ListenFd::from_env();
    if fds.len() == 0 {
        return Ok(None);
    }
    if fds.len() > 1 {
        tracing::warn!(
            "{} sockets inherited (LISTEN_FDS); serving HTTP on the first only",
            fds.len()
        );
    }
    fds.take_tcp_listener(0).map_err(|err| {
        io::Error::new(
            err.kind(),
            format!("LISTEN_FDS is set, but fd 3 is not a listening TCP socket: {err}"),
        )
    })
}

/// A listening socket on `addr` with a queue of `backlog` connections (the
/// standard library's `bind` asks for 128, which a burst of connects
/// overflows).
fn bind(addr: SocketAddr, backlog: u32) -> io::Result<std::net::TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket
        .bind(addr)
        .map_err(|err| io::Error::new(err.kind(), format!("cannot bind http://{addr}: {err}")))?;
    socket.listen(backlog)?.into_std()
}

impl Endpoint {
    /// Binds the configured HTTP (and HTTPS) addresses.
    ///
    /// When the process inherited a listening TCP socket by the systemd
    /// socket-activation protocol (`LISTEN_FDS=1` and the socket at fd 3;
    /// `LISTEN_PID`, if set, must be this process's id), HTTP is served on
    /// that socket instead of binding `http.ip`/`http.port` (see
    /// [`Endpoint::listen_on`]): this is how `phx server` keeps one socket
    /// across restarts of the app, so requests made while it rebuilds wait in
    /// the socket's backlog instead of failing.
    pub async fn listen(self) -> io::Result<Listening> {
        if let Some(listener) = inherited_listener()? {
            let addr = listener.local_addr()?;
            tracing::info!(
                "serving HTTP on the listening socket inherited from the parent process \
                 (LISTEN_FDS, fd 3): http://{addr}"
            );
            return self.listen_on(listener).await;
        }
        let config = self.config()?;
        let addr = SocketAddr::new(config.http.ip, config.http.port);
        let listener = bind(addr, config.http.backlog)?;
        self.listen_on(listener).await
    }

    /// Serves HTTP on a socket that is already bound and listening (the
    /// configured `http.ip`/`http.port` are not used; HTTPS, if configured,
    /// still binds its own address). Connections that waited in the
    /// socket's backlog before this call are accepted and answered. Must be
    /// called inside a Tokio runtime.
    ///
    /// ```no_run
    /// # async fn run(endpoint: phoenix::endpoint::Endpoint) -> std::io::Result<()> {
    /// let socket = std::net::TcpListener::bind("127.0.0.1:4000")?;
    /// let listening = endpoint.listen_on(socket).await?;
    /// listening.run(phoenix::endpoint::shutdown_signal()).await
    /// # }
    /// ```
    pub async fn listen_on(self, listener: std::net::TcpListener) -> io::Result<Listening> {
        listener.set_nonblocking(true)?;
        let http = NoDelay(TcpAcceptor::from_std(listener)?);
        self.listen_with(http).await
    }

    fn config(&self) -> io::Result<std::sync::Arc<crate::config::Config>> {
        self.app
            .config
            .clone()
            .ok_or_else(|| io::Error::other("endpoint has no configuration"))
    }

    /// Adds the HTTPS listener, if configured, to the HTTP acceptor.
    async fn listen_with(self, http: NoDelay<TcpAcceptor>) -> io::Result<Listening> {
        let config = self.config()?;
        let http_addr = first_addr(http.local_addr())?;
        let (acceptor, https_addr) = match &config.https {
            None => (http.boxed(), None),
            Some(https) => {
                let cert = std::fs::read(&https.certfile)?;
                let key = std::fs::read(&https.keyfile)?;
                let tls =
                    RustlsConfig::new().fallback(RustlsCertificate::new().cert(cert).key(key));
                let ip = https.ip.unwrap_or(config.http.ip);
                let secure = NoDelay(TcpListener::bind((ip, https.port)))
                    .rustls(tls)
                    .into_acceptor()
                    .await?;
                let https_addr = first_addr(secure.local_addr())?;
                (http.combine(secure).boxed(), Some(https_addr))
            }
        };
        Ok(Listening {
            endpoint: self,
            acceptor,
            http_addr,
            https_addr,
        })
    }

    /// Binds and serves until SIGINT or SIGTERM, then lets requests in flight
    /// finish (up to 10 seconds).
    pub async fn serve(self) -> io::Result<()> {
        // Handlers go in before the "listening" line: a supervisor that
        // signals as soon as it sees it must not kill the process outright.
        let signal = shutdown_signal();
        let listening = self.listen().await?;
        listening.run(signal).await
    }
}

impl Listening {
    /// Serves until `shutdown` resolves, then drains requests in flight.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send + 'static) -> io::Result<()> {
        let app = self.endpoint.app.clone();
        let name = app
            .config
            .as_ref()
            .map(|c| c.app_name.clone())
            .unwrap_or_default();
        tracing::info!(
            "{name} ({}) listening on http://{}",
            app.env(),
            self.http_addr
        );
        if let Some(addr) = self.https_addr {
            tracing::info!("{name} ({}) listening on https://{addr}", app.env());
        }
        // Sockets drain first (WebSocket close 1012, held LongPoll polls
        // answered), then requests in flight get up to 10 s.
        let draining = app.clone();
        let shutdown = async move {
            shutdown.await;
            draining.shutdown.send_replace(true);
        };
        let result = Server::new_with_acceptor(self.acceptor)
            .run_with_graceful_shutdown(self.endpoint, shutdown, Some(Duration::from_secs(10)))
            .await;
        tracing::info!("{name} stopped");
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// How many of `n` connects to a socket that accepts nothing complete
    /// within 300 ms each (stopping at the first that does not).
    fn queued(listener: &std::net::TcpListener, n: usize) -> usize {
        let addr = listener.local_addr().unwrap();
        let mut open = Vec::new();
        for _ in 0..n {
            match std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(300)) {
                Ok(stream) => open.push(stream),
                Err(_) => break,
            }
        }
        open.len()
    }

    #[tokio::test]
    async fn the_backlog_holds_a_burst_of_connects() {
        let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
        // The default backlog queues a burst far above the standard 128.
        let roomy = bind(addr, 4096).unwrap();
        assert_eq!(queued(&roomy, 400), 400);
        // A small one overflows (so the check above can fail).
        let tight = bind(addr, 8).unwrap();
        assert!(queued(&tight, 40) < 40);
    }
}
