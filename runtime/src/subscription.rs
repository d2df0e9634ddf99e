//! [`Subscription`]: a buffered feed of every tick, one queue per subscriber.

use std::collections::VecDeque;
use std::fmt;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};

use futures_core::{FusedStream, Stream};
use futures_util::task::AtomicWaker;

use crate::Error;
use crate::core::Core;

/// One entry of a subscriber's queue.
enum Item<T> {
    Value(T),
    Error(Error),
    /// The run the subscription belongs to ended.
    End,
}

impl<T> Item<T> {
    fn is_value(&self) -> bool {
        matches!(self, Item::Value(_))
    }
}

struct Queue<T> {
    items: VecDeque<Item<T>>,
    dropped: u64,
    /// No more items will arrive: `End` was queued, or the subscription was closed.
    finished: bool,
    /// The consumer has seen the end.
    terminated: bool,
}

/// What the timer shares with one subscriber.
pub(crate) struct Feed<T> {
    /// Set by [`Subscription::named`]; logs use the timer's name otherwise.
    name: Mutex<Option<Arc<str>>>,
    /// Closed or dropped by the consumer: the timer skips and forgets it.
    closed: AtomicBool,
    timer: Arc<str>,
    capacity: Option<usize>,
    /// The run this subscription belongs to.
    pub(crate) run_id: u64,
    queue: Mutex<Queue<T>>,
    waker: AtomicWaker,
}

impl<T> Feed<T> {
    fn lock(&self) -> MutexGuard<'_, Queue<T>> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn push(&self, item: Item<T>) {
        let mut q = self.lock();
        if q.finished {
            return;
        }
        if let Some(cap) = self.capacity
            && q.items.len() >= cap
        {
            // Make room by dropping the oldest value: a queued one, or else the arriving one.
            // Errors are kept before values; only a queue of nothing but errors drops its oldest
            // error for a new one. The end is never dropped: it may be one item over `cap`.
            // (An unfinished queue holds no end.)
            let (lost, queued) = match q.items.iter().position(Item::is_value) {
                Some(oldest) => {
                    q.items.remove(oldest);
                    (Some("its oldest value"), true)
                }
                None => match item {
                    Item::Value(_) => (Some("the arriving value"), false),
                    Item::Error(_) => {
                        q.items.pop_front();
                        (Some("its oldest error"), true)
                    }
                    Item::End => (None, true),
                },
            };
            if let Some(lost) = lost {
                q.dropped += 1;
                tracing::warn!(
                    timer = %self.timer,
                    subscription = %self.label(),
                    dropped = q.dropped,
                    "subscription full: dropped {lost}"
                );
            }
            if !queued {
                return;
            }
        }
        if matches!(item, Item::End) {
            q.finished = true;
        }
        q.items.push_back(item);
        drop(q);
        self.waker.wake();
    }

    /// Delivers one tick's outcome, a copy made for this subscriber (cloning `T` is the only
    /// per-subscriber cost of a tick).
    pub(crate) fn deliver(&self, outcome: Result<T, Error>) {
        self.push(match outcome {
            Ok(v) => Item::Value(v),
            Err(e) => Item::Error(e),
        });
    }

    /// The run ended: the subscriber sees its buffered items, then the end.
    pub(crate) fn end(&self) {
        self.push(Item::End);
    }

    /// Whether the consumer closed or dropped the subscription.
    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    fn label(&self) -> Arc<str> {
        let name = self.name.lock().unwrap_or_else(PoisonError::into_inner);
        name.clone().unwrap_or_else(|| self.timer.clone())
    }
}

/// A buffered feed of every tick of a timer, from the moment of subscribing: made by
/// [`Timer::subscribe`](crate::Timer::subscribe) and
/// [`Timer::subscribe_bounded`](crate::Timer::subscribe_bounded).
///
/// Each subscriber has its own queue, so a slow consumer misses nothing (or, bounded, drops its
/// own oldest values) without slowing the timer or other subscribers. It is a
/// `Stream<Item = Result<T, Error>>` and has [`recv`](Self::recv): a failed tick is an `Err`
/// item; when the run ends, the buffered items come first, then the end of the stream, and
/// then `None` forever.
///
/// A subscription made while the timer is stopped belongs to its next run. Dropping it
/// unsubscribes: the timer does no more work for it.
///
/// # Differences from async-timer
///
/// - No `async with`: a subscription ends with [`close`](Self::close) or when it is dropped.
///   Dropping unsubscribes at once, where the seed's timer holds subscriptions in a `WeakSet`
///   until the garbage collector reaps them.
/// - One [`close`](Self::close), callable from any thread, replaces `close` and
///   `close_threadsafe`: there is no event loop to bind, so it also works before `start` or
///   with no runtime at all. It queues no end marker, so [`len`](Self::len) counts only what
///   was buffered (the seed's `qsize` is 1 after closing an empty subscription).
/// - Sizes are `usize`: the seed's errors for a negative `maxsize` or `n` cannot happen. The
///   seed's unbounded `maxsize=0` is [`Timer::subscribe`](crate::Timer::subscribe);
///   `subscribe_bounded(0)` is a queue of one. [`drop_oldest`](Self::drop_oldest) has no
///   default `n`, and it skips error markers instead of stopping at the first one: under
///   `OnError::Continue` values can follow an error and can be shed. (Values behind the seed's
///   sentinel exist only if its queue is edited by hand.)
/// - After its end a subscription yields `None` forever, and one made while the timer is
///   stopped belongs to its next run; the seed's wait for ever in both cases.
/// - A dropped value is a `tracing` `warn!` with `timer` and `subscription` fields, not a record
///   on the `async_timer.subscription` logger.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use periodic::Timer;
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() -> Result<(), periodic::Error> {
/// let timer = Timer::new(Duration::from_secs(1), [1, 2, 3].into_iter());
/// let mut feed = timer.subscribe();
/// timer.start()?;
/// tokio::time::sleep(Duration::from_secs(10)).await; // a slow consumer
/// // Every tick is still there, in order, then the end.
/// assert_eq!(feed.recv().await.transpose()?, Some(1));
/// assert_eq!(feed.recv().await.transpose()?, Some(2));
/// assert_eq!(feed.recv().await.transpose()?, Some(3));
/// assert!(feed.recv().await.is_none());
/// # Ok(())
/// # }
/// ```
pub struct Subscription<T> {
    feed: Arc<Feed<T>>,
    core: Arc<Core<T>>,
}

impl<T> fmt::Debug for Subscription<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let q = self.feed.lock();
        f.debug_struct("Subscription")
            .field("name", &self.feed.label())
            .field("timer", &self.feed.timer)
            .field("capacity", &self.feed.capacity)
            .field("len", &q.items.len())
            .field("dropped", &q.dropped)
            .finish()
    }
}

impl<T> Subscription<T> {
    pub(crate) fn new(
        core: Arc<Core<T>>,
        capacity: Option<usize>,
        run_id: u64,
    ) -> (Self, Arc<Feed<T>>) {
        let feed = Arc::new(Feed {
            name: Mutex::new(None),
            closed: AtomicBool::new(false),
            timer: core.config.name().clone(),
            capacity,
            run_id,
            queue: Mutex::new(Queue {
                items: VecDeque::new(),
                dropped: 0,
                finished: false,
                terminated: false,
            }),
            waker: AtomicWaker::new(),
        });
        (
            Subscription {
                feed: feed.clone(),
                core,
            },
            feed,
        )
    }

    /// Names the subscription in its log events (a dropped value's `warn!`). Default: the
    /// timer's name.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::Timer;
    ///
    /// let timer = Timer::new(Duration::from_secs(1), || 0.5f64);
    /// let feed = timer.subscribe_bounded(10).named("metrics-sink");
    /// assert_eq!(feed.name(), "metrics-sink");
    /// ```
    pub fn named(self, name: impl Into<String>) -> Self {
        *self
            .feed
            .name
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(name.into().into());
        self
    }

    /// The subscription's name: the one given with [`named`](Self::named), or the timer's.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::Timer;
    ///
    /// let timer = Timer::builder(Duration::from_secs(1), || ()).name("heartbeat").build()?;
    /// assert_eq!(timer.subscribe().name(), "heartbeat");
    /// assert_eq!(timer.subscribe().named("audit").name(), "audit");
    /// # Ok::<(), periodic::Error>(())
    /// ```
    pub fn name(&self) -> String {
        self.feed.label().to_string()
    }

    /// How many items are buffered, the end-of-stream and error markers included. The seed's
    /// `qsize`: watch it to shed load with [`drop_oldest`](Self::drop_oldest).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::Timer;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// let timer = Timer::new(Duration::from_secs(1), [1, 2, 3].into_iter());
    /// let mut feed = timer.subscribe();
    /// assert_eq!(feed.len(), 0);
    /// timer.start()?;
    /// timer.wait().await?; // the run ended: three values and the end are buffered
    /// assert_eq!(feed.len(), 4);
    /// feed.recv().await;
    /// assert_eq!(feed.len(), 3);
    /// # Ok(())
    /// # }
    /// ```
    pub fn len(&self) -> usize {
        self.feed.lock().items.len()
    }

    /// Whether nothing is buffered.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::Timer;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// let timer = Timer::new(Duration::from_secs(1), || "tick");
    /// let mut feed = timer.subscribe();
    /// assert!(feed.is_empty());
    /// timer.start()?;
    /// timer.join().await?;
    /// assert!(!feed.is_empty());
    /// assert_eq!(feed.recv().await.transpose()?, Some("tick"));
    /// assert!(feed.is_empty());
    /// # Ok(())
    /// # }
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many ticks' outcomes this subscription lost: the values a full bounded queue
    /// dropped (to make room for a value, an error or the end), the errors a queue full of
    /// nothing but errors dropped, and the values [`drop_oldest`](Self::drop_oldest) shed.
    ///
    /// Every outcome delivered to the subscription is received, still buffered, or counted
    /// here.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::Timer;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// let timer = Timer::new(Duration::from_secs(1), || "sample");
    /// let feed = timer.subscribe_bounded(2);
    /// timer.start()?;
    /// timer.wait().hit_count(5).await?; // 5 values into a queue of 2
    /// assert_eq!(feed.dropped_count(), 3);
    /// assert_eq!(feed.drop_oldest(1), 1); // shed from the consumer side
    /// assert_eq!(feed.dropped_count(), 4);
    /// # Ok(())
    /// # }
    /// ```
    pub fn dropped_count(&self) -> u64 {
        self.feed.lock().dropped
    }

    /// Sheds load from the consumer side: drops up to `n` of the oldest buffered *values*
    /// (never an error or the end-of-stream marker; the order of what stays is kept) and
    /// returns how many it dropped. Counted in [`dropped_count`](Self::dropped_count).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::Timer;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// let timer = Timer::new(Duration::from_secs(1), (1..=5).into_iter());
    /// let mut feed = timer.subscribe();
    /// timer.start()?;
    /// timer.wait().await?; // the timer ran to the end: 5 values and the end are buffered
    /// assert_eq!(feed.len(), 6);
    /// assert_eq!(feed.drop_oldest(3), 3); // values 1, 2 and 3
    /// assert_eq!(feed.recv().await.transpose()?, Some(4));
    /// assert_eq!(feed.drop_oldest(10), 1); // value 5; the end marker stays
    /// assert_eq!(feed.dropped_count(), 4);
    /// assert!(feed.recv().await.is_none());
    /// # Ok(())
    /// # }
    /// ```
    pub fn drop_oldest(&self, n: usize) -> usize {
        let mut q = self.feed.lock();
        let mut removed = 0;
        q.items.retain(|item| {
            if removed < n && item.is_value() {
                removed += 1;
                false
            } else {
                true
            }
        });
        q.dropped += removed as u64;
        removed
    }

    /// Stops the feed from any thread: no new values are queued; the buffered ones can still
    /// be received, then the stream ends. Idempotent. Dropping the subscription also closes it.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::Timer;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// let timer = Timer::new(Duration::from_secs(1), 1..);
    /// let mut feed = timer.subscribe();
    /// timer.start()?;
    /// timer.wait().hit_count(2).await?;
    /// std::thread::scope(|s| {
    ///     s.spawn(|| feed.close()); // from a plain thread
    /// });
    /// timer.wait().hit_count(4).await?; // later ticks are not queued
    /// assert_eq!(feed.recv().await.transpose()?, Some(1));
    /// assert_eq!(feed.recv().await.transpose()?, Some(2));
    /// assert!(feed.recv().await.is_none());
    /// assert!(timer.is_running()); // the timer goes on
    /// # Ok(())
    /// # }
    /// ```
    pub fn close(&self) {
        self.feed.closed.store(true, Ordering::Release);
        self.feed.lock().finished = true;
        self.feed.waker.wake();
        self.core.unsubscribe(&self.feed);
    }

    /// Receives the next item: `Some(Ok(value))`, `Some(Err(error))` for a failed tick, or
    /// `None` at the end of the stream.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: an item is removed from the queue only when `recv` returns it.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{OnError, Timer};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// // Two good ticks, then a failure that stops the timer.
    /// let readings = [Ok(20), Ok(21), Err("sensor unplugged")].into_iter();
    /// let timer = Timer::builder(Duration::from_secs(1), readings)
    ///     .on_error(OnError::Stop)
    ///     .build()?;
    /// let mut feed = timer.subscribe();
    /// timer.start()?;
    /// assert_eq!(feed.recv().await.transpose()?, Some(20));
    /// assert_eq!(feed.recv().await.transpose()?, Some(21));
    /// assert!(feed.recv().await.unwrap().is_err()); // the failed tick
    /// assert!(feed.recv().await.is_none()); // then the end
    /// # Ok(())
    /// # }
    /// ```
    pub async fn recv(&mut self) -> Option<Result<T, Error>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }
}

impl<T> Drop for Subscription<T> {
    fn drop(&mut self) {
        self.feed.closed.store(true, Ordering::Release);
        self.core.unsubscribe(&self.feed);
    }
}

impl<T> Unpin for Subscription<T> {}

impl<T> Stream for Subscription<T> {
    type Item = Result<T, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let feed = &self.feed;
        let mut q = feed.lock();
        if q.items.is_empty() && !q.finished {
            drop(q);
            feed.waker.register(cx.waker());
            q = feed.lock();
        }
        match q.items.pop_front() {
            Some(Item::Value(v)) => Poll::Ready(Some(Ok(v))),
            Some(Item::Error(e)) => Poll::Ready(Some(Err(e))),
            Some(Item::End) => {
                q.terminated = true;
                Poll::Ready(None)
            }
            None if q.finished => {
                q.terminated = true;
                Poll::Ready(None)
            }
            None => Poll::Pending,
        }
    }
}

impl<T> FusedStream for Subscription<T> {
    fn is_terminated(&self) -> bool {
        self.feed.lock().terminated
    }
}
