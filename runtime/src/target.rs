//! What a timer calls on each tick.
//!
//! [`IntoTarget`] is implemented for every supported shape of target, each under its own marker
//! type (see [`marker`]), so that one generic entry point — [`Timer::new`](crate::Timer::new) and
//! [`Timer::builder`](crate::Timer::builder) — accepts all of them without annotations:
//!
//! | shape | example | a tick's result |
//! | --- | --- | --- |
//! | sync function returning `T` | `\|\| 42` | `Ok(42)` |
//! | sync function returning `Result<T, E>` | `\|\| std::fs::read_to_string(path)` | the `Ok` value, or the `Err` as [`Error::Target`](crate::Error::Target) |
//! | async function returning `T` | `\|\| async { 42 }` | `Ok(42)` |
//! | async function returning `Result<T, E>` | `\|\| async { fetch().await }` | as for the sync form |
//! | [`Stream`] of `T` or `Result<T, E>` | `tokio_stream::iter(1..=3)` | the next item; the end of the stream stops the timer |
//! | [`Iterator`] of `T` or `Result<T, E>` | `(1..=3).into_iter()` | the next item; the end stops the timer |
//!
//! `E` is any error convertible into `Box<dyn Error + Send + Sync>`: every
//! `std::error::Error + Send + Sync + 'static` type, `anyhow::Error`, `String`, `&'static str`.
//!
//! # When the compiler asks for a type annotation
//!
//! A sync target whose return type is `Result<T, E>` with a `Clone` error type (such as
//! `Result<u8, String>`) fits both "returns a value" (the value being the whole `Result`) and
//! "returns a `Result`". Name `T` to choose: `Timer::<u8>::new(…)` treats the `Err` as a failure,
//! `Timer::<Result<u8, String>>::new(…)` keeps the whole `Result` as the value. Error types that are
//! not `Clone` (`std::io::Error`, `anyhow::Error`, boxed errors) never need this.
//!
//! A sync target runs on the timer's task, like a sync call inside an `async fn`: keep it short,
//! or make the target async and move blocking work to
//! [`spawn_blocking`](https://docs.rs/tokio/latest/tokio/task/fn.spawn_blocking.html).
//! Because a sync call cannot be interrupted, a tick [`timeout`](crate::TimerBuilder::timeout)
//! applies to async targets and streams only.
//!
//! # Examples
//!
//! ```
//! use std::time::Duration;
//! use periodic::Timer;
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() -> Result<(), periodic::Error> {
//! let period = Duration::from_secs(1);
//! // A `Result<u8, String>` fits two shapes: name `T` to choose.
//! let failing = Timer::<u8>::new(period, || Err::<u8, String>("no".into()));
//! let whole = Timer::<Result<u8, String>>::new(period, || Err::<u8, String>("no".into()));
//! failing.start()?;
//! whole.start()?;
//! assert!(failing.join().await.is_err()); // the `Err` is a failed tick
//! assert_eq!(whole.join().await?, Err("no".to_owned())); // the `Err` is the value
//! # Ok(())
//! # }
//! ```

use std::any::Any;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;

use futures_core::Stream;
use futures_util::{FutureExt, StreamExt};
use tracing::{Instrument, Span};

use crate::error::BoxError;

/// Marker types that tell the shapes of target apart for [`IntoTarget`].
///
/// You never name these; type inference picks the one that fits. Naming one (as the second
/// type argument of [`Timer::new`](crate::Timer::new)) states which shape a target is, which
/// the examples below use to show each shape.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use periodic::Timer;
/// use periodic::target::marker;
///
/// // Inferred and named: the same timer.
/// let inferred = Timer::new(Duration::from_secs(1), || 1u8);
/// let named = Timer::new::<marker::Value>(Duration::from_secs(1), || 1u8);
/// assert_eq!(inferred.period(), named.period());
/// ```
pub mod marker {
    /// A sync function returning a value.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{Timer, target::marker};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// let timer = Timer::new::<marker::Value>(Duration::from_secs(1), || 42u32);
    /// timer.start()?;
    /// assert_eq!(timer.join().await?, 42);
    /// # Ok(())
    /// # }
    /// ```
    #[derive(Debug)]
    pub struct Value;
    /// A sync function returning `Result<T, E>`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{Timer, target::marker};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// let read = || std::fs::read_to_string("/no/such/file");
    /// let timer = Timer::new::<marker::Fallible>(Duration::from_secs(1), read);
    /// timer.start()?;
    /// assert!(timer.join().await.is_err()); // the io::Error is a failed tick
    /// # Ok(())
    /// # }
    /// ```
    #[derive(Debug)]
    pub struct Fallible;
    /// An async function (or closure returning a future) with a value output.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{Timer, target::marker};
    ///
    /// async fn fetch() -> &'static str {
    ///     "fresh"
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// let timer = Timer::new::<marker::AsyncValue>(Duration::from_secs(1), fetch);
    /// timer.start()?;
    /// assert_eq!(timer.join().await?, "fresh");
    /// # Ok(())
    /// # }
    /// ```
    #[derive(Debug)]
    pub struct AsyncValue;
    /// An async function (or closure returning a future) with a `Result<T, E>` output.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{Timer, target::marker};
    ///
    /// async fn poll() -> Result<u16, std::io::Error> {
    ///     Ok(200)
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// let timer = Timer::new::<marker::AsyncFallible>(Duration::from_secs(1), poll);
    /// timer.start()?;
    /// assert_eq!(timer.join().await?, 200); // the `Ok` value
    /// # Ok(())
    /// # }
    /// ```
    #[derive(Debug)]
    pub struct AsyncFallible;
    /// A stream of values.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{StopReason, Timer, target::marker};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// let items = tokio_stream::iter(["a", "b"]);
    /// let timer = Timer::new::<marker::StreamValue>(Duration::from_secs(1), items);
    /// timer.start()?;
    /// timer.wait().await?; // one item per tick, then the end of the stream stops it
    /// assert_eq!((timer.hit_count(), timer.last_result()), (2, Some("b")));
    /// assert!(matches!(timer.last_stop(), Some(StopReason::Exhausted)));
    /// # Ok(())
    /// # }
    /// ```
    #[derive(Debug)]
    pub struct StreamValue;
    /// A stream of `Result<T, E>`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{Timer, target::marker};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// let items = tokio_stream::iter([Ok(1), Err("bad frame"), Ok(3)]);
    /// let timer = Timer::new::<marker::StreamFallible>(Duration::from_secs(1), items);
    /// timer.start()?;
    /// assert_eq!(timer.join().await?, 1);
    /// assert!(timer.join().await.is_err()); // an `Err` item is a failed tick
    /// assert_eq!(timer.join().await?, 3);
    /// # Ok(())
    /// # }
    /// ```
    #[derive(Debug)]
    pub struct StreamFallible;
    /// An iterator of values.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{Timer, target::marker};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// let timer = Timer::new::<marker::IterValue>(Duration::from_secs(1), 1..=3);
    /// timer.start()?;
    /// timer.wait().await?; // one item per tick, then the end stops it
    /// assert_eq!(timer.last_result(), Some(3));
    /// # Ok(())
    /// # }
    /// ```
    #[derive(Debug)]
    pub struct IterValue;
    /// An iterator of `Result<T, E>`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use periodic::{Timer, target::marker};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), periodic::Error> {
    /// let lines = ["1", "x", "3"].into_iter().map(str::parse::<u8>);
    /// let timer = Timer::<u8>::new::<marker::IterFallible>(Duration::from_secs(1), lines);
    /// timer.start()?;
    /// assert_eq!(timer.join().await?, 1);
    /// assert!(timer.join().await.is_err()); // "x" does not parse
    /// assert_eq!(timer.join().await?, 3);
    /// # Ok(())
    /// # }
    /// ```
    #[derive(Debug)]
    pub struct IterFallible;
}

/// Why a tick did not produce a value.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The target returned `Err`.
    Error(BoxError),
    /// The target panicked; the payload's message.
    Panic(String),
    /// The tick ran past the timer's tick timeout and was dropped.
    Timeout,
}

/// The result of one call of the target.
#[derive(Debug)]
pub(crate) enum Outcome<T> {
    Value(T),
    Failed(Failure),
    /// A stream or iterator target has no more items.
    End,
}

type BoxTick<'a, T> = Pin<Box<dyn Future<Output = Outcome<T>> + Send + 'a>>;

/// One tick in progress. Sync targets finish inside [`Target::tick`] and cost no allocation.
pub(crate) enum Tick<'a, T> {
    Ready(Option<Outcome<T>>),
    Pending(BoxTick<'a, T>),
}

// The value is never pinned: it is moved out whole once the tick is ready.
impl<T> Unpin for Tick<'_, T> {}

impl<T> Future for Tick<'_, T> {
    type Output = Outcome<T>;

    fn poll(
        self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        match self.get_mut() {
            Tick::Ready(out) => {
                std::task::Poll::Ready(out.take().expect("Tick polled after completion"))
            }
            Tick::Pending(fut) => fut.as_mut().poll(cx),
        }
    }
}

/// A target, type-erased. The timer's task owns it while the timer runs.
pub(crate) trait Target<T>: Send + 'static {
    /// Calls the target inside `span`; an async call's future is instrumented with it.
    fn tick(&mut self, span: &Span) -> Tick<'_, T>;
}

/// A boxed target, as produced by [`IntoTarget`].
#[doc(hidden)]
pub struct BoxTarget<T>(pub(crate) Box<dyn Target<T>>);

impl<T> std::fmt::Debug for BoxTarget<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BoxTarget")
    }
}

/// Something a [`Timer`](crate::Timer) can call on each tick. See the [module docs](self) for the
/// shapes it is implemented for.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use periodic::Timer;
///
/// let period = Duration::from_secs(1);
/// let _sync = Timer::new(period, || 42u32);
/// let _fallible = Timer::new(period, || std::fs::read_to_string("/etc/hostname"));
/// // `ParseIntError` is `Clone`, so name `T` (see the module docs):
/// let _parsed = Timer::<u32>::new(period, || "42".parse::<u32>());
/// let _async = Timer::new(period, || async { 42u32 });
/// let _async_fallible = Timer::new(period, || async { std::fs::read_to_string("/etc/hostname") });
/// let _iter = Timer::new(period, [1u32, 2, 3].into_iter());
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the target of a periodic timer",
    label = "not a supported target",
    note = "a target is a sync or async function with no arguments returning `T` or `Result<T, E>`, or a `Stream` or `Iterator`; `T` must be `Clone + Send + Sync + 'static` and an async function's future must be `Send + 'static`"
)]
pub trait IntoTarget<T, M>: Sized {
    /// Type-erases the target. Not public API.
    #[doc(hidden)]
    fn into_target(self) -> BoxTarget<T>;
}

pub(crate) fn panic_message(payload: Box<dyn Any + Send>) -> String {
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "Box<dyn Any> (a non-string panic payload)".to_owned()
    }
}

fn from_result<T, E: Into<BoxError>>(r: Result<T, E>) -> Outcome<T> {
    match r {
        Ok(v) => Outcome::Value(v),
        Err(e) => Outcome::Failed(Failure::Error(e.into())),
    }
}

/// Runs a sync call, turning a panic into a failure.
fn call_sync<R, T>(
    span: &Span,
    f: impl FnOnce() -> R,
    map: impl FnOnce(R) -> Outcome<T>,
) -> Tick<'static, T> {
    Tick::Ready(Some(
        match span.in_scope(|| catch_unwind(AssertUnwindSafe(f))) {
            Ok(r) => map(r),
            Err(payload) => Outcome::Failed(Failure::Panic(panic_message(payload))),
        },
    ))
}

/// Polls a future, turning a panic into a failure.
fn call_async<'a, F, T>(span: &Span, fut: F, map: fn(F::Output) -> Outcome<T>) -> Tick<'a, T>
where
    F: Future + Send + 'a,
    T: 'a,
{
    let fut = AssertUnwindSafe(fut).catch_unwind().map(move |r| match r {
        Ok(r) => map(r),
        Err(payload) => Outcome::Failed(Failure::Panic(panic_message(payload))),
    });
    // The span lives in the tick's one allocation rather than in the timer's task.
    Tick::Pending(Box::pin(fut.instrument(span.clone())))
}

/// Calls an async function inside `span`; a panic while creating the future fails the tick.
fn call_fn_async<'a, Fut, T>(
    span: &Span,
    f: impl FnOnce() -> Fut,
    map: fn(Fut::Output) -> Outcome<T>,
) -> Tick<'a, T>
where
    Fut: Future + Send + 'a,
    T: 'a,
{
    match span.in_scope(|| catch_unwind(AssertUnwindSafe(f))) {
        Ok(fut) => call_async(span, fut, map),
        Err(p) => Tick::Ready(Some(Outcome::Failed(Failure::Panic(panic_message(p))))),
    }
}

fn item<T>(item: Option<T>) -> Outcome<T> {
    item.map_or(Outcome::End, Outcome::Value)
}

fn try_item<T, E: Into<BoxError>>(item: Option<Result<T, E>>) -> Outcome<T> {
    item.map_or(Outcome::End, from_result)
}

struct FnTarget<F>(F);

impl<F, T> Target<T> for FnTarget<(F, marker::Value)>
where
    F: FnMut() -> T + Send + 'static,
    T: Send + 'static,
{
    fn tick(&mut self, span: &Span) -> Tick<'_, T> {
        call_sync(span, &mut self.0.0, Outcome::Value)
    }
}

impl<F, T, E> Target<T> for FnTarget<(F, marker::Fallible)>
where
    F: FnMut() -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: Into<BoxError> + 'static,
{
    fn tick(&mut self, span: &Span) -> Tick<'_, T> {
        call_sync(span, &mut self.0.0, from_result)
    }
}

impl<F, Fut, T> Target<T> for FnTarget<(F, marker::AsyncValue)>
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    fn tick(&mut self, span: &Span) -> Tick<'_, T> {
        call_fn_async(span, &mut self.0.0, Outcome::Value)
    }
}

impl<F, Fut, T, E> Target<T> for FnTarget<(F, marker::AsyncFallible)>
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: Future<Output = Result<T, E>> + Send + 'static,
    T: Send + 'static,
    E: Into<BoxError> + 'static,
{
    fn tick(&mut self, span: &Span) -> Tick<'_, T> {
        call_fn_async(span, &mut self.0.0, from_result)
    }
}

struct StreamTarget<S, M>(Pin<Box<S>>, std::marker::PhantomData<fn() -> M>);

impl<S, T> Target<T> for StreamTarget<S, marker::StreamValue>
where
    S: Stream<Item = T> + Send + 'static,
    T: Send + 'static,
{
    fn tick(&mut self, span: &Span) -> Tick<'_, T> {
        call_async(span, self.0.next(), item)
    }
}

impl<S, T, E> Target<T> for StreamTarget<S, marker::StreamFallible>
where
    S: Stream<Item = Result<T, E>> + Send + 'static,
    T: Send + 'static,
    E: Into<BoxError> + 'static,
{
    fn tick(&mut self, span: &Span) -> Tick<'_, T> {
        call_async(span, self.0.next(), try_item)
    }
}

struct IterTarget<I, M>(I, std::marker::PhantomData<fn() -> M>);

impl<I, T> Target<T> for IterTarget<I, marker::IterValue>
where
    I: Iterator<Item = T> + Send + 'static,
    T: Send + 'static,
{
    fn tick(&mut self, span: &Span) -> Tick<'_, T> {
        call_sync(span, || self.0.next(), item)
    }
}

impl<I, T, E> Target<T> for IterTarget<I, marker::IterFallible>
where
    I: Iterator<Item = Result<T, E>> + Send + 'static,
    T: Send + 'static,
    E: Into<BoxError> + 'static,
{
    fn tick(&mut self, span: &Span) -> Tick<'_, T> {
        call_sync(span, || self.0.next(), try_item)
    }
}

impl<F, T> IntoTarget<T, marker::Value> for F
where
    F: FnMut() -> T + Send + 'static,
    T: Clone + Send + Sync + Unpin + 'static,
{
    fn into_target(self) -> BoxTarget<T> {
        BoxTarget(Box::new(FnTarget((self, marker::Value))))
    }
}

impl<F, T, E> IntoTarget<T, marker::Fallible> for F
where
    F: FnMut() -> Result<T, E> + Send + 'static,
    T: Clone + Send + Sync + 'static,
    E: Into<BoxError> + 'static,
{
    fn into_target(self) -> BoxTarget<T> {
        BoxTarget(Box::new(FnTarget((self, marker::Fallible))))
    }
}

impl<F, Fut, T> IntoTarget<T, marker::AsyncValue> for F
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: Future<Output = T> + Send + 'static,
    T: Clone + Send + Sync + 'static,
{
    fn into_target(self) -> BoxTarget<T> {
        BoxTarget(Box::new(FnTarget((self, marker::AsyncValue))))
    }
}

impl<F, Fut, T, E> IntoTarget<T, marker::AsyncFallible> for F
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: Future<Output = Result<T, E>> + Send + 'static,
    T: Clone + Send + Sync + 'static,
    E: Into<BoxError> + 'static,
{
    fn into_target(self) -> BoxTarget<T> {
        BoxTarget(Box::new(FnTarget((self, marker::AsyncFallible))))
    }
}

impl<S, T> IntoTarget<T, marker::StreamValue> for S
where
    S: Stream<Item = T> + Send + 'static,
    T: Clone + Send + Sync + 'static,
{
    fn into_target(self) -> BoxTarget<T> {
        BoxTarget(Box::new(StreamTarget::<S, marker::StreamValue>(
            Box::pin(self),
            std::marker::PhantomData,
        )))
    }
}

impl<S, T, E> IntoTarget<T, marker::StreamFallible> for S
where
    S: Stream<Item = Result<T, E>> + Send + 'static,
    T: Clone + Send + Sync + 'static,
    E: Into<BoxError> + 'static,
{
    fn into_target(self) -> BoxTarget<T> {
        BoxTarget(Box::new(StreamTarget::<S, marker::StreamFallible>(
            Box::pin(self),
            std::marker::PhantomData,
        )))
    }
}

impl<I, T> IntoTarget<T, marker::IterValue> for I
where
    I: Iterator<Item = T> + Send + 'static,
    T: Clone + Send + Sync + 'static,
{
    fn into_target(self) -> BoxTarget<T> {
        BoxTarget(Box::new(IterTarget::<I, marker::IterValue>(
            self,
            std::marker::PhantomData,
        )))
    }
}

impl<I, T, E> IntoTarget<T, marker::IterFallible> for I
where
    I: Iterator<Item = Result<T, E>> + Send + 'static,
    T: Clone + Send + Sync + 'static,
    E: Into<BoxError> + 'static,
{
    fn into_target(self) -> BoxTarget<T> {
        BoxTarget(Box::new(IterTarget::<I, marker::IterFallible>(
            self,
            std::marker::PhantomData,
        )))
    }
}
