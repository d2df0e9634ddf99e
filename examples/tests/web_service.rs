//! The web-service example (`examples/web_service.rs`) over real HTTP: its server runs on
//! `127.0.0.1:0` with a refresh the test holds back, and a real HTTP client talks to it.
//!
//! No test sleeps and hopes: each waits for an explicit signal (the refresh reports its start
//! on a channel and waits for a gate the test opens). Durations are failure guards only.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{Method, Request, StatusCode};
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use periodic::Timer;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::timeout;

// The example itself, compiled into this test; its `main` and its own refresh are unused here.
#[allow(dead_code)]
#[path = "../examples/web_service.rs"]
mod web_service;

use web_service::{BoxError, DbCache, cache_timer, serve};

/// How long anything may take before the test fails instead of hanging.
const GUARD: Duration = Duration::from_secs(10);

/// A refresh timer whose calls the test controls: each call sends its number (1, 2, …) on the
/// returned channel when it starts, and the first one then waits until `gate` is notified.
fn held_refresh() -> (Timer<DbCache>, mpsc::UnboundedReceiver<u64>, Arc<Notify>) {
    let (started_tx, started) = mpsc::unbounded_channel();
    let gate = Arc::new(Notify::new());
    let calls = Arc::new(AtomicU64::new(0));
    let refresh = {
        let gate = gate.clone();
        move || {
            let (gate, calls, started_tx) = (gate.clone(), calls.clone(), started_tx.clone());
            async move {
                let refresh = calls.fetch_add(1, Ordering::SeqCst) + 1;
                let _ = started_tx.send(refresh);
                if refresh == 1 {
                    gate.notified().await;
                }
                DbCache {
                    initialised: true,
                    cur_value: web_service::now_secs(),
                    refresh,
                }
            }
        }
    };
    let timer = cache_timer(refresh).expect("a valid timer");
    // Only the test's triggers refresh after the first: no scheduled refresh during a test.
    timer
        .set_period(Duration::from_secs(3600))
        .expect("a valid period");
    (timer, started, gate)
}

/// The example's server, running on a free port of 127.0.0.1.
struct Server {
    url: String,
    addr: std::net::SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<Result<(), BoxError>>,
}

async fn start(cache: Timer<DbCache>) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local address");
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(serve(listener, cache, async {
        let _ = stopped.await;
    }));
    Server {
        url: format!("http://{addr}"),
        addr,
        stop,
        task,
    }
}

impl Server {
    /// Stops the server and checks that it ended cleanly.
    async fn stop(self) {
        let _ = self.stop.send(());
        timeout(GUARD, self.task)
            .await
            .expect("the server stops in time")
            .expect("the server task does not panic")
            .expect("the server ends without error");
    }
}

type HttpClient = Client<HttpConnector, Empty<Bytes>>;

fn client() -> HttpClient {
    Client::builder(TokioExecutor::new()).build_http()
}

/// Sends a request and returns the status and the JSON body (`Null` if it is not JSON).
async fn send(client: &HttpClient, method: Method, url: String) -> (StatusCode, Value) {
    let request = Request::builder()
        .method(method)
        .uri(url)
        .body(Empty::new())
        .expect("a valid request");
    let response = timeout(GUARD, client.request(request))
        .await
        .expect("answered in time")
        .expect("an HTTP response");
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("a body")
        .to_bytes();
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

/// Which refresh produced the `db_cache` in a response body.
fn refresh_of(body: &Value) -> Option<u64> {
    body["db_cache"]["refresh"].as_u64()
}

async fn next_start(started: &mut mpsc::UnboundedReceiver<u64>) -> u64 {
    timeout(GUARD, started.recv())
        .await
        .expect("a refresh starts in time")
        .expect("the refresh is alive")
}

#[tokio::test]
async fn no_request_is_answered_before_the_first_refresh() {
    let (cache, mut started, gate) = held_refresh();
    let server = start(cache.clone()).await;
    assert_eq!(
        next_start(&mut started).await,
        1,
        "the first refresh is running"
    );

    // A request sent now, during the first refresh, over a plain socket: when `write_all`
    // returns, the request is with the server's kernel, waiting in the listener's queue.
    let mut early = TcpStream::connect(server.addr).await.expect("connect");
    early
        .write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .expect("send the request");
    // And one through a real HTTP client, in flight at the same time.
    let http = client();
    let early_client = tokio::spawn({
        let (http, url) = (http.clone(), server.url.clone());
        async move { send(&http, Method::GET, url).await }
    });

    // Held back, the first refresh has not completed, and nothing is answered. (A short bound
    // for a negative check; the proof that does not depend on time follows below.)
    let mut first_byte = [0u8; 1];
    assert!(
        timeout(Duration::from_millis(200), early.read(&mut first_byte))
            .await
            .is_err(),
        "a request was answered during the first refresh"
    );
    assert!(!early_client.is_finished());
    assert_eq!(cache.hit_count(), 0);

    // Let the first refresh complete: both requests are answered now, from its value. A request
    // handled before it completed would have found the cache empty and answered 503.
    gate.notify_one();
    let mut raw = String::new();
    timeout(GUARD, early.read_to_string(&mut raw))
        .await
        .expect("answered in time")
        .expect("read the response");
    assert!(
        raw.starts_with("HTTP/1.1 200"),
        "unexpected response: {raw}"
    );
    let body = raw.split("\r\n\r\n").nth(1).unwrap_or_default();
    let body: Value = serde_json::from_str(body).expect("a JSON body");
    assert_eq!(refresh_of(&body), Some(1), "body: {body}");
    assert_eq!(body["db_cache"]["initialised"], Value::Bool(true));

    let (status, body) = early_client.await.expect("the client task");
    assert_eq!((status, refresh_of(&body)), (StatusCode::OK, Some(1)));

    server.stop().await;
    assert!(!cache.is_running(), "the timer stops with the server");
}

#[tokio::test]
async fn post_refresh_refreshes_the_served_value() {
    let (cache, mut started, gate) = held_refresh();
    let server = start(cache.clone()).await;
    assert_eq!(next_start(&mut started).await, 1);
    gate.notify_one();

    let http = client();
    let (status, body) = send(&http, Method::GET, format!("{}/", server.url)).await;
    assert_eq!((status, refresh_of(&body)), (StatusCode::OK, Some(1)));
    // Reading again does not refresh: the cache is served as it is.
    let (_, again) = send(&http, Method::GET, format!("{}/", server.url)).await;
    assert_eq!(again, body);

    // The trigger endpoint runs a refresh now and returns its value...
    let (status, fresh) = send(&http, Method::POST, format!("{}/refresh", server.url)).await;
    assert_eq!((status, refresh_of(&fresh)), (StatusCode::OK, Some(2)));
    assert_eq!(next_start(&mut started).await, 2, "a new refresh ran");
    // ...which is what `GET /` serves from then on.
    let (status, served) = send(&http, Method::GET, format!("{}/", server.url)).await;
    assert_eq!((status, &served), (StatusCode::OK, &fresh));
    assert_eq!(cache.hit_count(), 2);

    server.stop().await;
    assert!(!cache.is_running());
}

#[tokio::test]
async fn shutting_down_during_the_warm_up_stops_the_refresh() {
    let (cache, mut started, _gate) = held_refresh();
    let server = start(cache.clone()).await;
    assert_eq!(next_start(&mut started).await, 1);

    // The first refresh never completes; stopping the server still ends everything.
    server.stop().await;
    assert!(!cache.is_running());
    assert_eq!(cache.hit_count(), 0);
}
