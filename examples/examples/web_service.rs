//! async-timer's "30-second example: FastAPI cache warmup", with axum instead of FastAPI.
//!
//! A timer refreshes a cached value every 5 s. The server answers only once the first refresh
//! has completed (the seed's `await timer.wait(hit_count=1)` in its lifespan), and then serves
//! the cached value without ever waiting for the database. `POST /refresh` refreshes the value
//! now and returns it (the seed's "trigger now" recipe). On shutdown the timer is stopped and
//! awaited (the seed's `async with Timer(...)` exit).
//!
//! ```sh
//! cargo run --example web_service            # serves on 127.0.0.1:3000 until Ctrl-C
//! curl http://127.0.0.1:3000/                # {"db_cache":{"initialised":true,...}}
//! curl -X POST http://127.0.0.1:3000/refresh # a fresh value, from a refresh started now
//! ```
//!
//! Environment: `WEB_SERVICE_ADDR` (default `127.0.0.1:3000`; `127.0.0.1:0` picks a free port),
//! `WEB_SERVICE_EXIT_AFTER` (seconds; stop on its own after that long, as CI does).
//!
//! `examples/tests/web_service.rs` tests this file over real HTTP.

use std::error::Error;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use periodic::{IntoTarget, Timer};
use serde::Serialize;
use tokio::net::TcpListener;

/// The errors of this example: any error, from any thread.
pub type BoxError = Box<dyn Error + Send + Sync>;

/// The cached value: the seed's `DB_CACHE` dict.
#[derive(Debug, Clone, Serialize)]
pub struct DbCache {
    /// Always `true` in a value that came from a refresh; the seed starts with `false`.
    pub initialised: bool,
    /// When the refresh read it, in seconds since the UNIX epoch (the seed's `time.time()`).
    pub cur_value: f64,
    /// Which refresh produced it (1 for the first), so a client can tell fresh from stale.
    pub refresh: u64,
}

/// What `GET /` and `POST /refresh` return: `{"db_cache": {…}}`, as in the seed.
#[derive(Serialize)]
struct CacheBody {
    db_cache: DbCache,
}

/// The refresh itself. In a real service this queries a database; here it takes a moment and
/// stamps the time.
async fn refresh_db() -> DbCache {
    static REFRESHES: AtomicU64 = AtomicU64::new(0);
    tokio::time::sleep(Duration::from_millis(500)).await; // pretend to query the database
    let refresh = REFRESHES.fetch_add(1, Ordering::SeqCst) + 1;
    println!("refresh #{refresh} done");
    DbCache {
        initialised: true,
        cur_value: now_secs(),
        refresh,
    }
}

/// Seconds since the UNIX epoch; 0 if the system clock is set before 1970.
pub fn now_secs() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// The refresh timer: the seed's `Timer(delay=5, target=refresh_db)`, built but not started.
/// The test passes a refresh of its own, one it can hold back.
pub fn cache_timer<M>(refresh: impl IntoTarget<DbCache, M>) -> Result<Timer<DbCache>, BoxError> {
    Ok(Timer::builder(Duration::from_secs(5), refresh)
        .name("db_refresh")
        .build()?)
}

/// The HTTP API. The handlers share the timer: its latest value is the cache.
pub fn router(cache: Timer<DbCache>) -> Router {
    Router::new()
        .route("/", get(cached))
        .route("/refresh", post(refresh_now))
        .with_state(cache)
}

/// `GET /`: the cached value, without waiting for anything.
async fn cached(State(cache): State<Timer<DbCache>>) -> Result<Json<CacheBody>, StatusCode> {
    // `serve` answers only after the first refresh, so the cache is never empty here; a
    // handler still should not assume it.
    let db_cache = cache.last_result().ok_or(StatusCode::SERVICE_UNAVAILABLE)?;
    Ok(Json(CacheBody { db_cache }))
}

/// `POST /refresh`: refresh now and return the new value. It comes from a refresh that started
/// after this request arrived; concurrent requests share one refresh. The 5 s schedule then
/// resumes from it.
async fn refresh_now(
    State(cache): State<Timer<DbCache>>,
) -> Result<Json<CacheBody>, (StatusCode, String)> {
    match cache.trigger().await {
        Ok(db_cache) => Ok(Json(CacheBody { db_cache })),
        Err(err) => Err((StatusCode::SERVICE_UNAVAILABLE, err.to_string())),
    }
}

/// Runs the service until `shutdown` completes: starts the refresh timer, waits for the first
/// refresh, then serves on `listener`. Connections that arrive during the first refresh wait
/// in the listener's queue and are answered once it is done. At the end the timer is stopped
/// and awaited.
pub async fn serve(
    listener: TcpListener,
    cache: Timer<DbCache>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), BoxError> {
    let mut shutdown = Box::pin(shutdown);
    cache.start()?;

    // The seed's `await timer.wait(hit_count=1)`: block startup until the first refresh.
    // Shutting down during the warm-up is fine too.
    tokio::select! {
        ready = cache.wait().hit_count(1) => {
            if let Err(err) = ready {
                cache.cancel().await;
                return Err(err.into());
            }
        }
        () = &mut shutdown => {
            cache.cancel().await;
            return Ok(());
        }
    }
    println!("cache warm: serving on http://{}", listener.local_addr()?);

    let served = axum::serve(listener, router(cache.clone()))
        .with_graceful_shutdown(shutdown)
        .await;

    // Stop refreshing: a refresh in flight may finish within 5 s; when this returns, the
    // timer's task is gone.
    cache.shutdown(Duration::from_secs(5)).await;
    println!("stopped after {} refreshes", cache.hit_count());
    Ok(served?)
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    tracing_subscriber::fmt()
        .with_env_filter("periodic=warn")
        .init();

    let addr = std::env::var("WEB_SERVICE_ADDR").unwrap_or_else(|_| "127.0.0.1:3000".into());
    let exit_after = match std::env::var("WEB_SERVICE_EXIT_AFTER") {
        Ok(secs) => Some(Duration::from_secs_f64(secs.parse()?)),
        Err(_) => None,
    };

    // Bind first, so that a port in use fails at once rather than after the warm-up.
    let listener = TcpListener::bind(&addr).await?;
    println!(
        "listening on http://{}; warming the cache first",
        listener.local_addr()?
    );

    // Stop on Ctrl-C, or after `WEB_SERVICE_EXIT_AFTER` seconds if it is set.
    let shutdown = async move {
        let deadline = async {
            match exit_after {
                Some(after) => tokio::time::sleep(after).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => println!("Ctrl-C: shutting down"),
            () = deadline => println!("WEB_SERVICE_EXIT_AFTER reached: shutting down"),
        }
    };

    serve(listener, cache_timer(refresh_db)?, shutdown).await
}
