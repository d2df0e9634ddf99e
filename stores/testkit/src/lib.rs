//! Test support for periodic's coordinator stores (`periodic-postgres`, `periodic-redis`) and
//! for the engine's tests of coordinated jobs: not published.
//!
//! - [`Proxy`]: a TCP proxy on loopback in front of a real server, which a test can
//!   [`cut`](Proxy::cut) (every connection closed, new ones refused), [`stall`](Proxy::stall)
//!   (connections held open, nothing forwarded) and [`resume`](Proxy::resume). Each call
//!   returns once the proxy is in the new state, so a test synchronizes on it instead of
//!   sleeping.
//! - [`env_url`]: the URL of a test server from an environment variable, or a printed
//!   `skipping: … not set` notice and `None`. `.ci/run` sets [`POSTGRES_URL_VAR`] and
//!   [`REDIS_URL_VAR`] when the servers are up.
//! - [`unique`]: a name with a random suffix, so that tests running in parallel (or several
//!   runs against one server) never share a table, a key or a job.
//! - [`within`]: awaits a future with a failure bound, panicking with a message naming what
//!   took too long.
//! - [`with_address`]: a server URL with its `host:port` replaced, to point a client at a
//!   [`Proxy`].
//! - [`contract`]: the scenarios of the `Coordinator` contract that every store's tests run
//!   against its real server (a race for one slot, a cut or stalled connection and its
//!   recovery), written once for both stores.
//!
//! # Examples
//!
//! ```
//! use std::time::Duration;
//! use periodic_store_testkit::{Proxy, within};
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//! use tokio::net::{TcpListener, TcpStream};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! // An echo server standing in for a database.
//! let server = TcpListener::bind("127.0.0.1:0").await?;
//! let upstream = server.local_addr()?;
//! tokio::spawn(async move {
//!     while let Ok((mut socket, _)) = server.accept().await {
//!         tokio::spawn(async move {
//!             let mut buf = [0; 64];
//!             while let Ok(n @ 1..) = socket.read(&mut buf).await {
//!                 if socket.write_all(&buf[..n]).await.is_err() {
//!                     break;
//!                 }
//!             }
//!         });
//!     }
//! });
//!
//! let proxy = Proxy::start(upstream).await?;
//! let mut client = TcpStream::connect(proxy.addr()).await?;
//! client.write_all(b"ping").await?;
//! let mut reply = [0; 4];
//! client.read_exact(&mut reply).await?;
//! assert_eq!(&reply, b"ping");
//!
//! proxy.cut().await;
//! // The open connection is closed, and a new one is refused.
//! let read = within(Duration::from_secs(5), "the cut", client.read(&mut reply)).await;
//! assert!(matches!(read, Ok(0) | Err(_)));
//! assert!(TcpStream::connect(proxy.addr()).await.is_err());
//!
//! proxy.resume().await;
//! let mut client = TcpStream::connect(proxy.addr()).await?;
//! client.write_all(b"back").await?;
//! client.read_exact(&mut reply).await?;
//! assert_eq!(&reply, b"back");
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::future::Future;
use std::io::{self, Write as _};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream, ToSocketAddrs};
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub mod contract;

/// The environment variable that holds the URL of the test PostgreSQL server, e.g.
/// `postgres://postgres@127.0.0.1:5432/test`.
///
/// # Examples
///
/// ```
/// use periodic_store_testkit::{POSTGRES_URL_VAR, env_url};
///
/// assert_eq!(POSTGRES_URL_VAR, "PERIODIC_TEST_POSTGRES_URL");
/// if let Some(url) = env_url(POSTGRES_URL_VAR) {
///     assert!(url.starts_with("postgres"), "{url}");
/// }
/// ```
pub const POSTGRES_URL_VAR: &str = "PERIODIC_TEST_POSTGRES_URL";

/// The environment variable that holds the URL of the test Redis server, e.g.
/// `redis://127.0.0.1:6379`.
///
/// # Examples
///
/// ```
/// use periodic_store_testkit::{REDIS_URL_VAR, env_url};
///
/// assert_eq!(REDIS_URL_VAR, "PERIODIC_TEST_REDIS_URL");
/// if let Some(url) = env_url(REDIS_URL_VAR) {
///     assert!(url.starts_with("redis"), "{url}");
/// }
/// ```
pub const REDIS_URL_VAR: &str = "PERIODIC_TEST_REDIS_URL";

/// The URL in the environment variable `var`, or `None` after printing
/// `skipping: {var} not set` to stderr (uncaptured, so it shows even for a passing test): a
/// test that needs a server returns early on `None`.
///
/// # Examples
///
/// ```
/// use periodic_store_testkit::env_url;
///
/// // An unset variable: the notice is printed and the test skips.
/// assert_eq!(env_url("PERIODIC_TEST_NO_SUCH_URL"), None);
///
/// // In a test:
/// let Some(url) = env_url(periodic_store_testkit::POSTGRES_URL_VAR) else { return };
/// # let _ = url;
/// ```
pub fn env_url(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(url) if !url.trim().is_empty() => Some(url.trim().to_owned()),
        _ => {
            // Straight to the process's stderr: the test harness captures `eprintln!` of a
            // passing test, and this notice must show in CI's log.
            let _ = writeln!(io::stderr(), "skipping: {var} not set");
            None
        }
    }
}

/// `prefix` followed by `_` and 10 random lowercase letters and digits: a table name, key
/// prefix or job name that no other test (and no earlier run) uses.
///
/// # Examples
///
/// ```
/// let a = periodic_store_testkit::unique("runs");
/// let b = periodic_store_testkit::unique("runs");
/// assert!(a.starts_with("runs_") && a.len() == "runs_".len() + 10);
/// assert_ne!(a, b);
/// ```
pub fn unique(prefix: &str) -> String {
    let suffix: String = std::iter::repeat_with(|| {
        let n = fastrand::u8(0..36);
        char::from_digit(u32::from(n), 36).unwrap_or('x')
    })
    .take(10)
    .collect();
    format!("{prefix}_{suffix}")
}

/// Awaits `future`, panicking with "`what` took longer than `limit`" if it does not finish in
/// time: a failure bound, not a way to wait.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use periodic_store_testkit::within;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let n = within(Duration::from_secs(1), "an addition", async { 1 + 1 }).await;
/// assert_eq!(n, 2);
/// # }
/// ```
pub async fn within<F: Future>(limit: Duration, what: &str, future: F) -> F::Output {
    match tokio::time::timeout(limit, future).await {
        Ok(output) => output,
        Err(_) => panic!("{what} took longer than {limit:?}"),
    }
}

/// `url` with the `host:port` of its authority replaced by `addr` (user and password kept):
/// points a client at a [`Proxy`].
///
/// # Examples
///
/// ```
/// use periodic_store_testkit::with_address;
///
/// let addr = "127.0.0.1:40001".parse().unwrap();
/// assert_eq!(
///     with_address("postgres://postgres@127.0.0.1:5432/test", addr),
///     "postgres://postgres@127.0.0.1:40001/test",
/// );
/// assert_eq!(with_address("redis://127.0.0.1:6379", addr), "redis://127.0.0.1:40001");
/// assert_eq!(with_address("redis://localhost/2", addr), "redis://127.0.0.1:40001/2");
/// ```
pub fn with_address(url: &str, addr: SocketAddr) -> String {
    let (before, _, after) = split_host_port(url);
    format!("{before}{addr}{after}")
}

/// `url` split around the `host:port` of its authority: what comes before it (`scheme://` and
/// `user:password@`), the `host:port` itself, and what follows (path, query, fragment).
fn split_host_port(url: &str) -> (&str, &str, &str) {
    let start = url.find("://").map_or(0, |i| i + 3);
    let end = url[start..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| start + i);
    let host = url[start..end].rfind('@').map_or(start, |i| start + i + 1);
    (&url[..host], &url[host..end], &url[end..])
}

/// The `host:port` of `url`'s authority (user and password dropped), with the scheme's
/// default port (`postgres`/`postgresql` 5432, `redis` 6379) if it names none; `None` if it
/// has no host.
///
/// # Examples
///
/// ```
/// use periodic_store_testkit::server_address;
///
/// let url = "postgres://postgres@127.0.0.1:5432/test";
/// assert_eq!(server_address(url).as_deref(), Some("127.0.0.1:5432"));
/// assert_eq!(server_address("redis://localhost").as_deref(), Some("localhost:6379"));
/// assert_eq!(server_address("redis://u:p@[::1]:7000/0").as_deref(), Some("[::1]:7000"));
/// ```
pub fn server_address(url: &str) -> Option<String> {
    let (scheme, _) = url.split_once("://")?;
    let (_, host_port, _) = split_host_port(url);
    if host_port.is_empty() {
        return None;
    }
    // A port follows the last `:` unless that `:` is inside an IPv6 literal.
    let has_port = host_port
        .rfind(':')
        .is_some_and(|i| !host_port[i..].contains(']'));
    if has_port {
        return Some(host_port.to_owned());
    }
    let port = match scheme {
        "postgres" | "postgresql" => 5432,
        "redis" => 6379,
        _ => return None,
    };
    Some(format!("{host_port}:{port}"))
}

/// What the proxy does with traffic: set by [`Proxy::cut`], [`Proxy::stall`] and
/// [`Proxy::resume`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Open,
    Stalled,
    Cut,
}

/// What the proxy's tasks report, for the calls that wait for a state to take effect.
#[derive(Debug, Clone, Default)]
struct Status {
    listening: bool,
    open: usize,
    accepted: u64,
    bind_error: Option<String>,
}

/// A TCP proxy on `127.0.0.1` in front of a real server, for tests of a store whose
/// connection is cut and restored.
///
/// Every accepted connection gets its own connection to the upstream server, and bytes are
/// forwarded both ways until either side closes. The test controls it:
///
/// - [`cut`](Proxy::cut): every open connection is closed (both ends) and the listener is
///   closed, so new connections are refused (`ECONNREFUSED`), as when the server is down.
/// - [`stall`](Proxy::stall): connections stay open but nothing is forwarded and new ones are
///   accepted but stall too, as with a lost route: a client notices only by its own timeouts.
/// - [`resume`](Proxy::resume): the listener is back on the same address and traffic flows;
///   bytes held during a stall are delivered.
///
/// Each of them returns once the proxy is in the new state. Dropping the proxy stops it and
/// closes every connection.
///
/// # Examples
///
/// A client pointed at the proxy instead of the server:
///
/// ```no_run
/// use periodic_store_testkit::{Proxy, with_address};
///
/// # async fn f() -> std::io::Result<()> {
/// let url = "postgres://postgres@127.0.0.1:5432/test";
/// let proxy = Proxy::start("127.0.0.1:5432").await?;
/// let through_proxy = with_address(url, proxy.addr());
/// // … connect a pool to `through_proxy`, then:
/// proxy.cut().await;
/// // … the store is unreachable …
/// proxy.resume().await;
/// # Ok(())
/// # }
/// ```
pub struct Proxy {
    addr: SocketAddr,
    upstream: SocketAddr,
    mode: watch::Sender<Mode>,
    status: watch::Receiver<Status>,
    task: JoinHandle<()>,
}

impl fmt::Debug for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Proxy")
            .field("addr", &self.addr)
            .field("upstream", &self.upstream)
            .field("mode", &*self.mode.borrow())
            .field("status", &*self.status.borrow())
            .finish()
    }
}

impl Proxy {
    /// Starts a proxy listening on `127.0.0.1` (a free port) that forwards to `upstream`.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let proxy = periodic_store_testkit::Proxy::start("127.0.0.1:1").await?;
    /// assert!(proxy.addr().ip().is_loopback());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn start(upstream: impl ToSocketAddrs) -> io::Result<Proxy> {
        let upstream = tokio::net::lookup_host(upstream)
            .await?
            .next()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no upstream address"))?;
        let listener = bind(SocketAddr::from(([127, 0, 0, 1], 0)))?;
        let addr = listener.local_addr()?;
        let (mode, mode_rx) = watch::channel(Mode::Open);
        let (status_tx, status) = watch::channel(Status {
            listening: true,
            ..Status::default()
        });
        let task = tokio::spawn(serve(
            addr,
            upstream,
            listener,
            mode_rx,
            Arc::new(status_tx),
        ));
        Ok(Proxy {
            addr,
            upstream,
            mode,
            status,
            task,
        })
    }

    /// Starts a proxy in front of the server of `url` (see [`server_address`]) and returns it
    /// with `url` pointed at the proxy instead.
    ///
    /// # Errors
    ///
    /// If `url` names no server, or the proxy cannot listen.
    ///
    /// # Examples
    ///
    /// ```
    /// use periodic_store_testkit::Proxy;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (proxy, url) = Proxy::in_front_of("redis://127.0.0.1:6379/0").await?;
    /// assert_eq!(url, format!("redis://{}/0", proxy.addr()));
    /// assert_eq!(proxy.upstream().port(), 6379);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn in_front_of(url: &str) -> io::Result<(Proxy, String)> {
        let server = server_address(url).ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, format!("no server in {url:?}"))
        })?;
        let proxy = Proxy::start(server.as_str()).await?;
        let url = with_address(url, proxy.addr());
        Ok((proxy, url))
    }

    /// The proxy's address: point the client here.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let proxy = periodic_store_testkit::Proxy::start("127.0.0.1:6379").await?;
    /// assert_ne!(proxy.addr().port(), 0);
    /// # Ok(())
    /// # }
    /// ```
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The server the proxy forwards to.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let proxy = periodic_store_testkit::Proxy::start("127.0.0.1:6379").await?;
    /// assert_eq!(proxy.upstream().port(), 6379);
    /// # Ok(())
    /// # }
    /// ```
    pub fn upstream(&self) -> SocketAddr {
        self.upstream
    }

    /// Closes every open connection and the listener, so that new connections are refused;
    /// returns once all of that is done.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let proxy = periodic_store_testkit::Proxy::start("127.0.0.1:1").await?;
    /// proxy.cut().await;
    /// assert!(tokio::net::TcpStream::connect(proxy.addr()).await.is_err());
    /// assert_eq!(proxy.open_connections(), 0);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn cut(&self) {
        self.mode.send_replace(Mode::Cut);
        let mut status = self.status.clone();
        // The tasks only end when the proxy is dropped, which cannot happen while `self` is
        // borrowed, so the channel stays open.
        let _ = status.wait_for(|s| !s.listening && s.open == 0).await;
    }

    /// Stops forwarding: connections stay open (new ones are accepted) but no byte passes
    /// until [`resume`](Proxy::resume). Bytes that arrive at the proxy after this returns are
    /// held, not forwarded.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let proxy = periodic_store_testkit::Proxy::start("127.0.0.1:1").await?;
    /// proxy.stall().await;
    /// proxy.resume().await;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn stall(&self) {
        // Each forwarding task reads the mode before it writes what it has read, so the
        // change takes effect as soon as it is sent.
        self.mode.send_replace(Mode::Stalled);
        if !self.status.borrow().listening {
            self.resume_listener().await;
        }
    }

    /// Forwards again: the listener is back on the same address (after a
    /// [`cut`](Proxy::cut)) and held bytes are delivered (after a [`stall`](Proxy::stall)).
    /// Returns once new connections are accepted.
    ///
    /// # Panics
    ///
    /// If the proxy's port could not be bound again (taken by another process meanwhile).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let proxy = periodic_store_testkit::Proxy::start("127.0.0.1:1").await?;
    /// proxy.cut().await;
    /// proxy.resume().await;
    /// // Accepted (then closed, as the upstream refuses).
    /// assert!(tokio::net::TcpStream::connect(proxy.addr()).await.is_ok());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn resume(&self) {
        self.mode.send_replace(Mode::Open);
        self.resume_listener().await;
    }

    async fn resume_listener(&self) {
        let mut status = self.status.clone();
        let status = status
            .wait_for(|s| s.listening || s.bind_error.is_some())
            .await
            .map(|s| s.clone())
            .unwrap_or_default();
        if let Some(error) = status.bind_error {
            panic!("the proxy could not listen on {} again: {error}", self.addr);
        }
    }

    /// How many client connections are open through the proxy now.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let proxy = periodic_store_testkit::Proxy::start("127.0.0.1:1").await?;
    /// assert_eq!(proxy.open_connections(), 0);
    /// # Ok(())
    /// # }
    /// ```
    pub fn open_connections(&self) -> usize {
        self.status.borrow().open
    }

    /// How many client connections the proxy has accepted since it started.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let proxy = periodic_store_testkit::Proxy::start("127.0.0.1:1").await?;
    /// assert_eq!(proxy.accepted(), 0);
    /// # Ok(())
    /// # }
    /// ```
    pub fn accepted(&self) -> u64 {
        self.status.borrow().accepted
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        // Dropping the mode sender ends every forwarding task; the listener goes with this one.
        self.task.abort();
    }
}

/// A listener with `SO_REUSEADDR`, so that the proxy's port can be bound again after a cut
/// while the closed connections linger in `TIME_WAIT`.
fn bind(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = TcpSocket::new_v4()?;
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(1024)
}

async fn serve(
    addr: SocketAddr,
    upstream: SocketAddr,
    listener: TcpListener,
    mut mode: watch::Receiver<Mode>,
    status: Arc<watch::Sender<Status>>,
) {
    let mut listener = Some(listener);
    loop {
        let current = *mode.borrow_and_update();
        if current == Mode::Cut && listener.is_some() {
            listener = None;
            status.send_modify(|s| s.listening = false);
        } else if current != Mode::Cut && listener.is_none() {
            match rebind(addr).await {
                Ok(l) => {
                    listener = Some(l);
                    status.send_modify(|s| {
                        s.listening = true;
                        s.bind_error = None;
                    });
                }
                Err(e) => status.send_modify(|s| s.bind_error = Some(e.to_string())),
            }
        }
        let Some(l) = &listener else {
            if mode.changed().await.is_err() {
                return;
            }
            continue;
        };
        tokio::select! {
            changed = mode.changed() => if changed.is_err() { return },
            accepted = l.accept() => {
                let Ok((client, _)) = accepted else { continue };
                // Counted before the task starts, so that a cut waits for it to close.
                status.send_modify(|s| {
                    s.open += 1;
                    s.accepted += 1;
                });
                let guard = OpenGuard(status.clone());
                tokio::spawn(forward(client, upstream, mode.clone(), guard));
            }
        }
    }
}

/// Binds the proxy's address again, retrying briefly: the old listener's socket may take a
/// moment to be released.
async fn rebind(addr: SocketAddr) -> io::Result<TcpListener> {
    let mut attempts = 0;
    loop {
        match bind(addr) {
            Ok(l) => return Ok(l),
            Err(e) if attempts >= 50 => return Err(e),
            Err(_) => {
                attempts += 1;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
}

/// Counts a connection as closed when its task ends, however it ends.
struct OpenGuard(Arc<watch::Sender<Status>>);

impl Drop for OpenGuard {
    fn drop(&mut self) {
        self.0.send_modify(|s| s.open -= 1);
    }
}

/// Waits until the mode is `Cut` (or the proxy is gone).
async fn until_cut(mode: &mut watch::Receiver<Mode>) {
    let _ = mode.wait_for(|m| *m == Mode::Cut).await;
}

/// Waits until bytes may be forwarded: `true` when the mode is `Open`, `false` when the
/// connection must close (cut, or the proxy is gone).
async fn may_forward(mode: &mut watch::Receiver<Mode>) -> bool {
    match mode.wait_for(|m| *m != Mode::Stalled).await {
        Ok(m) => *m == Mode::Open,
        Err(_) => false,
    }
}

async fn forward(
    client: TcpStream,
    upstream: SocketAddr,
    mut mode: watch::Receiver<Mode>,
    _open: OpenGuard,
) {
    let server = tokio::select! {
        server = TcpStream::connect(upstream) => match server {
            Ok(server) => server,
            Err(_) => return,
        },
        () = until_cut(&mut mode) => return,
    };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let mut to_server = vec![0u8; 16 * 1024];
    let mut to_client = vec![0u8; 16 * 1024];
    loop {
        if !may_forward(&mut mode).await {
            return;
        }
        // Read from either side, or notice a change of mode.
        let (n, upward) = tokio::select! {
            changed = mode.changed() => {
                if changed.is_err() {
                    return;
                }
                continue;
            }
            n = client_read.read(&mut to_server) => (n, true),
            n = server_read.read(&mut to_client) => (n, false),
        };
        let n = match n {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        // Bytes read while stalled are held until the proxy resumes (or dropped on a cut).
        if !may_forward(&mut mode).await {
            return;
        }
        let (to, bytes) = if upward {
            (&mut server_write, &to_server[..n])
        } else {
            (&mut client_write, &to_client[..n])
        };
        tokio::select! {
            written = to.write_all(bytes) => if written.is_err() { return },
            () = until_cut(&mut mode) => return,
        }
    }
}
