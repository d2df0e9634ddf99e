//! Helpers shared by the integration tests of `periodic`. Each test binary uses a subset.
#![allow(dead_code)]

use std::future::IntoFuture;
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use periodic::{
    BoxError, BoxFuture, Coordinator, InMemoryCoordinator, IntoTarget, Mode, RunOutcome, RunRecord,
    Slot, Timer,
};
use tokio::runtime::{Builder, Handle, Runtime};
use tokio::time::{Instant, timeout};

pub(crate) const fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

pub(crate) const fn ms(m: u64) -> Duration {
    Duration::from_millis(m)
}

/// A value whose clones are counted, to see the work a tick does per recipient.
#[derive(Debug)]
pub(crate) struct Counted(pub(crate) Arc<AtomicU64>);

impl Clone for Counted {
    fn clone(&self) -> Self {
        self.0.fetch_add(1, Ordering::SeqCst);
        Counted(self.0.clone())
    }
}

/// A timer at `period` whose values are [`Counted`], and the counter of their clones.
pub(crate) fn clone_counting(period: Duration) -> (Timer<Counted>, Arc<AtomicU64>) {
    let clones = Arc::new(AtomicU64::new(0));
    let timer = Timer::new(period, {
        let clones = clones.clone();
        move || Counted(clones.clone())
    });
    (timer, clones)
}

/// Awaits `f`, failing the test instead of hanging if the library never completes it. Under
/// paused time the limit costs nothing.
pub(crate) async fn within<F: IntoFuture>(f: F) -> F::Output {
    timeout(secs(24 * 3600), f.into_future())
        .await
        .expect("the future never completed: the library hung")
}

/// `t0 + s` for each `s`.
pub(crate) fn at(t0: Instant, s: &[u64]) -> Vec<Instant> {
    s.iter().map(|&s| t0 + secs(s)).collect()
}

/// Records the instant of each call of a target.
#[derive(Clone, Default)]
pub(crate) struct Calls(Arc<Mutex<Vec<Instant>>>);

impl Calls {
    /// Records a call and returns its 1-based number.
    pub(crate) fn record(&self) -> u32 {
        let mut v = self.0.lock().unwrap();
        v.push(Instant::now());
        u32::try_from(v.len()).unwrap()
    }

    pub(crate) fn count(&self) -> usize {
        self.0.lock().unwrap().len()
    }

    pub(crate) fn instants(&self) -> Vec<Instant> {
        self.0.lock().unwrap().clone()
    }

    /// Call instants as offsets from `t0`.
    pub(crate) fn offsets(&self, t0: Instant) -> Vec<Duration> {
        self.instants().iter().map(|i| *i - t0).collect()
    }
}

/// A runtime with two worker threads: the test's own thread is not one of them.
pub(crate) fn multi_thread_runtime() -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// A current-thread runtime driven by a dedicated `std::thread` until dropped.
///
/// The test thread never runs the runtime: it only enters the runtime's context for the
/// duration of `start()`, so afterwards it is a plain, non-runtime thread.
pub(crate) struct Background {
    handle: Handle,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Background {
    pub(crate) fn new() -> Self {
        let (handle_tx, handle_rx) = mpsc::channel();
        let (stop, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = thread::spawn(move || {
            let runtime = Builder::new_current_thread().enable_all().build().unwrap();
            handle_tx.send(runtime.handle().clone()).unwrap();
            runtime.block_on(async {
                let _ = stop_rx.await;
            });
            // Dropping the runtime drops every task still on it.
        });
        let handle = handle_rx
            .recv_timeout(Duration::from_secs(10))
            .expect("runtime thread started");
        Background {
            handle,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// Starts `timer` on this runtime, from the calling (plain) thread.
    pub(crate) fn start<T: Clone + Send + Sync + 'static>(&self, timer: &Timer<T>) {
        let _context = self.handle.enter();
        timer.start().expect("start");
    }

    /// Starts every member of `group` on this runtime, from the calling (plain) thread.
    pub(crate) fn start_group(&self, group: &periodic::TimerGroup) {
        let _context = self.handle.enter();
        group.start().expect("group start");
    }

    /// Blocks the calling (plain) thread until `timer` has recorded `n` successful ticks.
    ///
    /// A target that signals a channel has been *called*; its outcome is recorded a moment
    /// later, and a stop that arrives in between drops it ("an in-flight tick is dropped"). Tests
    /// that assert on `hit_count`/`last_result` wait for the record itself.
    pub(crate) fn wait_hits<T: Clone + Send + Sync + 'static>(&self, timer: &Timer<T>, n: u64) {
        // Only `Notify`-based waiting, so `Handle::block_on` works while the runtime's own
        // thread drives the tasks.
        self.handle
            .block_on(timer.wait().hit_count(n).into_future())
            .expect("wait for hits");
    }

    /// Stops the runtime and waits until its thread has exited: after this returns, no task of
    /// the runtime can ever run again.
    pub(crate) fn shut_down(mut self) {
        self.stop_and_join();
    }

    fn stop_and_join(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}

/// Seconds since the UNIX epoch on the wall clock that coordinated timers read: `clock` (the
/// system clock, or the clock a test installed with `set_wall_clock`) moved by as much as
/// tokio's paused clock has run ahead of the real one.
pub(crate) fn wall_secs(clock: fn() -> SystemTime) -> f64 {
    let ahead = Instant::now().into_std() - std::time::Instant::now();
    (clock() + ahead)
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// What the replicas sharing a store saw of it.
#[derive(Default)]
pub(crate) struct StoreLog {
    /// Every claim asked, answered or not: (replica, slot index, instant asked).
    pub(crate) asked: Vec<(u32, u64, Instant)>,
    /// Every claim won: (replica, slot index, instant answered).
    pub(crate) won: Vec<(u32, u64, Instant)>,
    /// Every claim lost: (replica, slot index).
    pub(crate) lost: Vec<(u32, u64)>,
    /// Every run recorded: (slot index, outcome).
    pub(crate) records: Vec<(u64, RunOutcome)>,
}

/// How a [`Replica`]'s store fails the claims of its outage.
#[derive(Clone, Copy)]
pub(crate) enum Failing {
    /// The claim fails at once (`Err`).
    Refuse,
    /// The claim never answers.
    Hang,
}

/// One replica's view of a store shared with others: an [`InMemoryCoordinator`] that logs
/// every claim and record into a [`StoreLog`], and that fails the claims of a range of slots.
#[derive(Clone)]
pub(crate) struct Replica {
    id: u32,
    store: InMemoryCoordinator,
    log: Arc<Mutex<StoreLog>>,
    outage: Option<(Range<u64>, Failing)>,
}

impl Replica {
    /// Replica `id` of the fleet that shares `store` and `log`.
    pub(crate) fn new(id: u32, store: &InMemoryCoordinator, log: &Arc<Mutex<StoreLog>>) -> Self {
        Replica {
            id,
            store: store.clone(),
            log: log.clone(),
            outage: None,
        }
    }

    /// The only replica of a store of its own.
    pub(crate) fn alone() -> Self {
        Replica::new(0, &InMemoryCoordinator::new("alone"), &Arc::default())
    }

    /// The store fails, `how`, the claims of `slots`.
    pub(crate) fn failing(mut self, slots: Range<u64>, how: Failing) -> Self {
        self.outage = Some((slots, how));
        self
    }

    pub(crate) fn log(&self) -> MutexGuard<'_, StoreLog> {
        self.log.lock().unwrap()
    }

    /// The indexes of the slots asked, in the order asked.
    pub(crate) fn asked(&self) -> Vec<u64> {
        self.log().asked.iter().map(|a| a.1).collect()
    }
}

/// A fixed-rate timer named `name` that claims each slot from `store`.
pub(crate) fn coordinated<T: Clone + Send + Sync + 'static, M>(
    name: &str,
    period: Duration,
    store: impl Coordinator,
    target: impl IntoTarget<T, M>,
) -> Timer<T> {
    Timer::builder(period, target)
        .name(name)
        .mode(Mode::FixedRate)
        .coordinator(store)
        .build()
        .expect("a valid coordinated timer")
}

impl Coordinator for Replica {
    fn owner(&self) -> &str {
        self.store.owner()
    }
    fn prepare(&self) -> BoxFuture<'_, Result<(), BoxError>> {
        self.store.prepare()
    }
    fn claim<'a>(&'a self, slot: &'a Slot) -> BoxFuture<'a, Result<bool, BoxError>> {
        self.log().asked.push((self.id, slot.index, Instant::now()));
        if let Some((range, how)) = &self.outage
            && range.contains(&slot.index)
        {
            return match how {
                Failing::Refuse => Box::pin(async { Err("connection refused".into()) }),
                Failing::Hang => Box::pin(std::future::pending()),
            };
        }
        Box::pin(async move {
            let won = self.store.claim(slot).await?;
            let mut log = self.log();
            if won {
                log.won.push((self.id, slot.index, Instant::now()));
            } else {
                log.lost.push((self.id, slot.index));
            }
            Ok(won)
        })
    }
    fn record<'a>(
        &'a self,
        slot: &'a Slot,
        run: &'a RunRecord,
    ) -> BoxFuture<'a, Result<(), BoxError>> {
        self.log().records.push((slot.index, run.outcome.clone()));
        self.store.record(slot, run)
    }
}
