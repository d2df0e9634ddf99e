//! [`RateLimiter`]: serialized, first come first served, at most `rate` completions per `per`.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::Poll;
use std::time::Duration;

use futures_util::FutureExt;
use futures_util::task::AtomicWaker;
use tokio::sync::Notify;
use tokio::time::Instant;

use crate::Error;

/// Marker types for [`IntoTask`]; inference picks one.
///
/// You never need to name them; they only keep the sync and async implementations of
/// [`IntoTask`] apart. Naming one settles an ambiguous task (see [`IntoTask`]).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use periodic::{RateLimiter, task_marker};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), periodic::Error> {
/// let limiter = RateLimiter::new(10, Duration::from_secs(1))?;
/// // Inferred:
/// assert_eq!(limiter.run(|| 1).await?, 1);
/// // Named:
/// assert_eq!(limiter.run::<u8, task_marker::Sync, _>(|| 2).await?, 2);
/// # Ok(())
/// # }
/// ```
pub mod task_marker {
    /// A sync `FnOnce() -> T`: called when the limiter gives the task its turn.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{RateLimiter, task_marker};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// let limiter = RateLimiter::new(1, Duration::from_secs(1))?;
    /// let name = limiter.run::<String, task_marker::Sync, _>(|| "sync".to_owned()).await?;
    /// assert_eq!(name, "sync");
    /// # Ok(())
    /// # }
    /// ```
    #[derive(Debug)]
    pub struct Sync;
    /// An async `FnOnce() -> impl Future<Output = T>`: called, and its future awaited, when the
    /// limiter gives the task its turn.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{RateLimiter, task_marker};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// let limiter = RateLimiter::new(1, Duration::from_secs(1))?;
    /// let n = limiter.run::<u32, task_marker::Async, _>(|| async { 40 + 2 }).await?;
    /// assert_eq!(n, 42);
    /// # Ok(())
    /// # }
    /// ```
    #[derive(Debug)]
    pub struct Async;
}

/// A one-shot task for [`RateLimiter::run`]: a sync closure or function returning `T`, or one
/// returning a future (an `async` closure, `move || async move { … }`, an `async fn`).
///
/// A sync task that returns a value which is itself `Unpin` and a `Future` is ambiguous; such
/// code names `T`. A sync task runs on the caller's task, like any sync call in async code.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use periodic::RateLimiter;
///
/// async fn ping() -> &'static str { "pong" }
/// fn add() -> u32 { 1 + 2 }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), periodic::Error> {
/// let limiter = RateLimiter::new(5, Duration::from_secs(1))?;
/// assert_eq!(limiter.run(add).await?, 3);               // a sync fn
/// assert_eq!(limiter.run(ping).await?, "pong");         // an async fn
/// assert_eq!(limiter.run(|| async { 4 }).await?, 4);    // a closure returning a future
/// # Ok(())
/// # }
/// ```
pub trait IntoTask<T, M>: Sized {
    /// The future that runs the task. Not public API.
    #[doc(hidden)]
    type Fut: Future<Output = T>;
    /// Starts the task, once the limiter allows it. Not public API.
    #[doc(hidden)]
    fn start(self) -> Self::Fut;
}

impl<F, T> IntoTask<T, task_marker::Sync> for F
where
    F: FnOnce() -> T,
    T: Unpin,
{
    type Fut = std::future::Ready<T>;
    fn start(self) -> Self::Fut {
        std::future::ready(self())
    }
}

impl<F, Fut> IntoTask<Fut::Output, task_marker::Async> for F
where
    F: FnOnce() -> Fut,
    Fut: Future,
{
    type Fut = Fut;
    fn start(self) -> Fut {
        self()
    }
}

const WAITING: u8 = 0;
const GRANTED: u8 = 1;
const CLOSED: u8 = 2;
const ABANDONED: u8 = 3;

/// A queued caller. Its status changes under the limiter's lock.
struct Ticket {
    status: AtomicU8,
    waker: AtomicWaker,
}

struct State {
    /// A caller holds the turn: it waits for the window or runs its task.
    busy: bool,
    queue: VecDeque<Arc<Ticket>>,
    /// Completion instants of the latest tasks, at most `rate` of them, oldest first.
    done: VecDeque<Instant>,
    closed: bool,
}

struct Inner {
    name: Mutex<Arc<str>>,
    rate: usize,
    per: Duration,
    state: Mutex<State>,
    /// Wakes a turn holder that waits for the window when the limiter closes.
    closing: Notify,
    /// `RateLimiter` handles alive; the last one dropped closes the limiter.
    handles: AtomicUsize,
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Gives the turn to the next live caller in line, or frees it.
    fn hand_off(&self, s: &mut State) {
        while let Some(next) = s.queue.pop_front() {
            if next
                .status
                .compare_exchange(WAITING, GRANTED, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
            {
                next.waker.wake();
                return;
            }
        }
        s.busy = false;
    }

    fn name(&self) -> Arc<str> {
        self.name
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn closed_error(&self) -> Error {
        Error::Closed { name: self.name() }
    }
}

/// Runs tasks one at a time, in the order of the calls, with at most `rate` tasks *completing*
/// in any window of length `per`: the semantics of py_asyncio_utils' `RateLimiter`.
///
/// This is not a token bucket. Tasks never run concurrently and never burst past the limit;
/// a task that takes long lowers the throughput. It protects fragile downstream systems — an
/// API with a quota, a database that must not be hammered — where predictability matters more
/// than speed. With instant tasks the throughput converges to exactly `rate / per`.
///
/// How it decides: the limiter remembers the completion instants of the last `rate` tasks.
/// The next task starts when the oldest of them is at least `per` old, so it can complete no
/// earlier than that — the sliding window holds at most `rate` completions.
///
/// `RateLimiter` is a cheap `Clone + Send + Sync` handle; clones share one queue. Dropping the
/// last handle closes it.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use periodic::RateLimiter;
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() -> Result<(), periodic::Error> {
/// let limiter = RateLimiter::new(10, Duration::from_secs(1))?;
/// let start = tokio::time::Instant::now();
/// for i in 0..50 {
///     let doubled = limiter.run(move || async move { i * 2 }).await?;
///     assert_eq!(doubled, i * 2);
/// }
/// // 10 per second: the 50th task ran in the fifth second.
/// assert_eq!(start.elapsed(), Duration::from_secs(4));
/// # Ok(())
/// # }
/// ```
pub struct RateLimiter {
    inner: Arc<Inner>,
}

impl Clone for RateLimiter {
    fn clone(&self) -> Self {
        self.inner.handles.fetch_add(1, Ordering::Relaxed);
        RateLimiter {
            inner: self.inner.clone(),
        }
    }
}

impl Drop for RateLimiter {
    fn drop(&mut self) {
        if self.inner.handles.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.close();
        }
    }
}

impl fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.inner.lock();
        f.debug_struct("RateLimiter")
            .field("name", &self.inner.name())
            .field("rate", &self.inner.rate)
            .field("per", &self.inner.per)
            .field("queued", &s.queue.len())
            .field("closed", &s.closed)
            .finish()
    }
}

impl RateLimiter {
    /// A limiter allowing `rate` task completions in any window of length `per`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidConfig`] if `rate` is 0 or `per` is zero.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{Error, RateLimiter};
    ///
    /// let api = RateLimiter::new(100, Duration::from_secs(60))?; // 100 calls a minute
    /// assert_eq!((api.rate(), api.per()), (100, Duration::from_secs(60)));
    /// let no_rate = RateLimiter::new(0, Duration::from_secs(1));
    /// assert!(matches!(no_rate, Err(Error::InvalidConfig(_))));
    /// let no_window = RateLimiter::new(1, Duration::ZERO);
    /// assert!(matches!(no_window, Err(Error::InvalidConfig(_))));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn new(rate: usize, per: Duration) -> Result<Self, Error> {
        if rate == 0 {
            return Err(Error::invalid("a rate limiter's rate must be at least 1"));
        }
        if per.is_zero() {
            return Err(Error::invalid(
                "a rate limiter's window `per` must be greater than zero",
            ));
        }
        Ok(RateLimiter {
            inner: Arc::new(Inner {
                name: Mutex::new("rate_limiter".into()),
                rate,
                per,
                state: Mutex::new(State {
                    busy: false,
                    queue: VecDeque::new(),
                    done: VecDeque::with_capacity(rate.min(1024)),
                    closed: false,
                }),
                closing: Notify::new(),
                handles: AtomicUsize::new(1),
            }),
        })
    }

    /// Names the limiter in its errors and `Debug` output. Default: `rate_limiter`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{Error, RateLimiter};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Error> {
    /// let limiter = RateLimiter::new(5, Duration::from_secs(1))?.named("github-api");
    /// limiter.close();
    /// match limiter.run(|| ()).await {
    ///     Err(Error::Closed { name }) => assert_eq!(&*name, "github-api"),
    ///     other => panic!("unexpected {other:?}"),
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn named(self, name: impl Into<String>) -> Self {
        *self
            .inner
            .name
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = name.into().into();
        self
    }

    /// The most tasks that complete in any window of length [`per`](Self::per).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::RateLimiter;
    ///
    /// let limiter = RateLimiter::new(10, Duration::from_secs(1))?;
    /// assert_eq!(limiter.rate(), 10);
    /// # Ok::<(), periodic::Error>(())
    /// ```
    pub fn rate(&self) -> usize {
        self.inner.rate
    }

    /// The window's length.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::RateLimiter;
    ///
    /// let limiter = RateLimiter::new(10, Duration::from_secs(1))?;
    /// assert_eq!(limiter.per(), Duration::from_secs(1));
    /// # Ok::<(), periodic::Error>(())
    /// ```
    pub fn per(&self) -> Duration {
        self.inner.per
    }

    /// How many calls wait for their turn. The call that holds the turn — running its task, or
    /// waiting for the window to allow it — is not counted.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::RateLimiter;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// let limiter = RateLimiter::new(1, Duration::from_secs(1))?;
    /// let tasks: Vec<_> = (0..3).map(|i| limiter.spawn(move || i)).collect::<Result<_, _>>()?;
    /// assert_eq!(limiter.queued(), 2); // the first call holds the turn
    /// for task in tasks {
    ///     task.await.unwrap()?;
    /// }
    /// assert_eq!(limiter.queued(), 0);
    /// # Ok(())
    /// # }
    /// ```
    pub fn queued(&self) -> usize {
        let s = self.inner.lock();
        s.queue
            .iter()
            .filter(|t| t.status.load(Ordering::Acquire) == WAITING)
            .count()
    }

    /// Whether [`close`](Self::close) was called (or every handle dropped).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::RateLimiter;
    ///
    /// let limiter = RateLimiter::new(1, Duration::from_secs(1))?;
    /// let clone = limiter.clone(); // shares the queue
    /// assert!(!clone.is_closed());
    /// limiter.close();
    /// assert!(clone.is_closed());
    /// # Ok::<(), periodic::Error>(())
    /// ```
    pub fn is_closed(&self) -> bool {
        self.inner.lock().closed
    }

    /// Queues `task` and returns its output once it has run. The place in the queue is taken
    /// when `run` is *called*, not when the future is first polled, so tasks run in the order
    /// of the calls.
    ///
    /// A task that panics counts as a completion and hands the turn on, then its panic
    /// resumes in the caller, as if the caller had called the task itself (in a timer's
    /// target, it fails that tick with [`Error::Panicked`]; with [`spawn`](Self::spawn), the
    /// handle's `JoinError` carries it). A caller that drops the future while queued leaves
    /// the queue and its task never runs; one that drops it while its task runs drops the task
    /// there, and the limiter counts that instant as a completion (the task may have reached
    /// the downstream system).
    ///
    /// # Errors
    ///
    /// [`Error::Closed`] if the limiter was closed before the task started: the only error.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future before the task starts cancels the task; see above for after.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::RateLimiter;
    ///
    /// async fn fetch(id: u32) -> String {
    ///     format!("item {id}")
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// let limiter = RateLimiter::new(2, Duration::from_secs(1))?;
    /// let sync = limiter.run(|| 1 + 1).await?;        // a sync task
    /// let item = limiter.run(|| fetch(7)).await?;    // an async fn
    /// let owned = String::from("moved in");
    /// let len = limiter.run(move || async move { owned.len() }).await?; // async, one-shot
    /// assert_eq!((sync, item.as_str(), len), (2, "item 7", 8));
    /// # Ok(())
    /// # }
    /// ```
    pub fn run<T, M, F: IntoTask<T, M>>(
        &self,
        task: F,
    ) -> impl Future<Output = Result<T, Error>> + use<T, M, F> {
        run(self.inner.clone(), self.inner.enqueue(), task)
    }

    /// Queues `task` on a new tokio task and returns its handle at once: for callers that
    /// enqueue without awaiting the result where they are. The place in the queue is taken
    /// now. Dropping the handle does not cancel the task.
    ///
    /// # Errors
    ///
    /// [`Error::NoRuntime`] outside a tokio runtime (nothing is queued then).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::RateLimiter;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// let limiter = RateLimiter::new(1, Duration::from_secs(1))?;
    /// let a = limiter.spawn(|| "first")?;
    /// let b = limiter.spawn(|| "second")?;
    /// assert_eq!(b.await.unwrap()?, "second");
    /// assert_eq!(a.await.unwrap()?, "first");
    /// # Ok(())
    /// # }
    /// ```
    pub fn spawn<T, M, F>(
        &self,
        task: F,
    ) -> Result<tokio::task::JoinHandle<Result<T, Error>>, Error>
    where
        F: IntoTask<T, M> + Send + 'static,
        F::Fut: Send,
        T: Send + 'static,
        M: 'static,
    {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| Error::NoRuntime {
            name: self.inner.name(),
        })?;
        Ok(runtime.spawn(run(self.inner.clone(), self.inner.enqueue(), task)))
    }

    /// Closes the limiter, from any thread: queued tasks get [`Error::Closed`] and never run,
    /// nor does any task queued later. A task already running finishes. Idempotent.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{Error, RateLimiter};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let limiter = RateLimiter::new(1, Duration::from_secs(60)).unwrap();
    /// limiter.run(|| ()).await.unwrap();
    /// let queued = limiter.spawn(|| "waits a minute for the window").unwrap();
    /// limiter.close();
    /// assert!(matches!(queued.await.unwrap(), Err(Error::Closed { .. })));
    /// assert!(limiter.is_closed());
    /// # }
    /// ```
    pub fn close(&self) {
        let mut s = self.inner.lock();
        s.closed = true;
        let queue = std::mem::take(&mut s.queue);
        drop(s);
        for ticket in queue {
            if ticket
                .status
                .compare_exchange(WAITING, CLOSED, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
            {
                ticket.waker.wake();
            }
        }
        self.inner.closing.notify_waiters();
    }
}

/// Where a caller stands after `enqueue`. Made synchronously by the call, so that a future
/// dropped before it was ever polled still gives up its turn or its place (the guards' `Drop`).
enum Place {
    /// It holds the turn already (the limiter was idle).
    Turn(Turn),
    Queued(Waiting),
    Closed,
}

impl Inner {
    fn enqueue(self: &Arc<Self>) -> Place {
        let mut s = self.lock();
        if s.closed {
            Place::Closed
        } else if !s.busy {
            s.busy = true;
            Place::Turn(Turn {
                inner: self.clone(),
                started: false,
            })
        } else {
            let ticket = Arc::new(Ticket {
                status: AtomicU8::new(WAITING),
                waker: AtomicWaker::new(),
            });
            s.queue.push_back(ticket.clone());
            Place::Queued(Waiting {
                inner: self.clone(),
                ticket: Some(ticket),
            })
        }
    }
}

/// Holds the turn; gives it to the next caller when dropped, recording a completion if the
/// task started.
struct Turn {
    inner: Arc<Inner>,
    started: bool,
}

impl Drop for Turn {
    fn drop(&mut self) {
        let mut s = self.inner.lock();
        if self.started {
            s.done.push_back(Instant::now());
            if s.done.len() > self.inner.rate {
                s.done.pop_front();
            }
        }
        self.inner.hand_off(&mut s);
    }
}

/// A queued caller's place; if dropped before its turn, it leaves the queue, and if dropped
/// right after being given the turn, it passes the turn on.
struct Waiting {
    inner: Arc<Inner>,
    ticket: Option<Arc<Ticket>>,
}

impl Drop for Waiting {
    fn drop(&mut self) {
        let Some(ticket) = self.ticket.take() else {
            return;
        };
        let mut s = self.inner.lock();
        if ticket
            .status
            .compare_exchange(WAITING, ABANDONED, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
            && ticket.status.load(Ordering::Acquire) == GRANTED
        {
            self.inner.hand_off(&mut s);
        }
    }
}

async fn run<T, M>(inner: Arc<Inner>, place: Place, task: impl IntoTask<T, M>) -> Result<T, Error> {
    let mut turn = match place {
        Place::Closed => return Err(inner.closed_error()),
        Place::Turn(turn) => turn,
        Place::Queued(mut waiting) => {
            let status = std::future::poll_fn(|cx| {
                let ticket = waiting.ticket.as_ref().expect("ticket held until granted");
                ticket.waker.register(cx.waker());
                match ticket.status.load(Ordering::Acquire) {
                    WAITING => Poll::Pending,
                    status => Poll::Ready(status),
                }
            })
            .await;
            waiting.ticket = None; // granted or closed: nothing to undo on drop
            if status == CLOSED {
                return Err(inner.closed_error());
            }
            Turn {
                inner: inner.clone(),
                started: false,
            }
        }
    };

    // The window: the oldest of the last `rate` completions must be `per` old.
    // A window already open costs no timer.
    let ready_at = {
        let s = inner.lock();
        (s.done.len() >= inner.rate)
            .then(|| s.done.front().map(|oldest| *oldest + inner.per))
            .flatten()
            .filter(|at| *at > Instant::now())
    };
    if let Some(at) = ready_at {
        let closing = inner.closing.notified();
        tokio::pin!(closing);
        closing.as_mut().enable();
        if inner.lock().closed {
            return Err(inner.closed_error());
        }
        tokio::select! {
            () = crate::clock::sleep_until(at) => {}
            () = &mut closing => return Err(inner.closed_error()),
        }
    }
    if inner.lock().closed {
        return Err(inner.closed_error());
    }

    turn.started = true;
    let outcome = match catch_unwind(AssertUnwindSafe(|| task.start())) {
        Ok(fut) => AssertUnwindSafe(fut).catch_unwind().await,
        Err(payload) => Err(payload),
    };
    drop(turn); // records the completion and hands the turn on
    // The limiter is free again: the panic goes on in the caller, as if it had called the
    // task itself.
    Ok(outcome.unwrap_or_else(|payload| std::panic::resume_unwind(payload)))
}
