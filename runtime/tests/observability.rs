//! Observability (SPEC §7): every tick runs inside a `tracing` span carrying the timer's name
//! and tick number; skipped slots are a `warn!`, target errors an `error!`, lifecycle events
//! `debug!`; no printing in library code.
//!
//! Each test installs its own capturing subscriber with `tracing::subscriber::set_default`
//! (thread-local) and runs on a current-thread runtime, so every event of the timer's task is
//! seen by that test's subscriber only. Time is paused wherever a schedule matters.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use periodic::{Error, Mode, OnError, Timer};
use tokio::time::Instant;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

mod common;
use common::{Failing, Replica, coordinated, secs, wall_secs};

// ---------------------------------------------------------------------------------------------
// A capturing layer
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct SpanRec {
    name: &'static str,
    level: Level,
    fields: BTreeMap<String, String>,
}

#[derive(Debug, Clone)]
struct EventRec {
    level: Level,
    target: String,
    message: String,
    fields: BTreeMap<String, String>,
    /// Indices into `Captured::spans` of the event's span stack, innermost first.
    scope: Vec<usize>,
}

impl EventRec {
    fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }

    fn is_library(&self) -> bool {
        self.target.starts_with("periodic")
    }
}

#[derive(Debug, Default)]
struct Captured {
    spans: Vec<SpanRec>,
    events: Vec<EventRec>,
}

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Captured>>);

/// Stored in a span's extensions: its index in `Captured::spans`.
struct SpanIdx(usize);

#[derive(Default)]
struct Fields(BTreeMap<String, String>);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        // `%x` fields arrive here wrapped in a `DisplayValue`, whose `Debug` is `x`'s `Display`.
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl<S> Layer<S> for Capture
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        let mut captured = self.0.lock().unwrap();
        captured.spans.push(SpanRec {
            name: attrs.metadata().name(),
            level: *attrs.metadata().level(),
            fields: fields.0,
        });
        let idx = captured.spans.len() - 1;
        drop(captured);
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(SpanIdx(idx));
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(idx) = ctx
            .span(id)
            .and_then(|span| span.extensions().get::<SpanIdx>().map(|i| i.0))
        else {
            return;
        };
        let mut fields = Fields::default();
        values.record(&mut fields);
        self.0.lock().unwrap().spans[idx].fields.extend(fields.0);
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        let message = fields.0.remove("message").unwrap_or_default();
        let scope = ctx
            .event_scope(event)
            .map(|scope| {
                scope
                    .filter_map(|span| span.extensions().get::<SpanIdx>().map(|i| i.0))
                    .collect()
            })
            .unwrap_or_default();
        self.0.lock().unwrap().events.push(EventRec {
            level: *event.metadata().level(),
            target: event.metadata().target().to_owned(),
            message,
            fields: fields.0,
            scope,
        });
    }
}

impl Capture {
    /// Installs a fresh capturing subscriber as this thread's default until the guard drops.
    fn install() -> (Self, tracing::subscriber::DefaultGuard) {
        let capture = Capture::default();
        let subscriber = tracing_subscriber::registry().with(capture.clone());
        let guard = tracing::subscriber::set_default(subscriber);
        (capture, guard)
    }

    fn snapshot(&self) -> Captured {
        let c = self.0.lock().unwrap();
        Captured {
            spans: c.spans.clone(),
            events: c.events.clone(),
        }
    }
}

impl Captured {
    /// How many events the library emitted at `level`, whatever their timer.
    fn library_count(&self, level: Level) -> usize {
        self.events
            .iter()
            .filter(|e| e.is_library() && e.level == level)
            .count()
    }

    /// The `tick` spans of timer `name`, in creation order.
    fn tick_spans(&self, name: &str) -> Vec<&SpanRec> {
        self.spans
            .iter()
            .filter(|s| s.name == "tick" && s.fields.get("timer").map(String::as_str) == Some(name))
            .collect()
    }

    /// Library events (target `periodic…`) at `level` about timer `name`.
    fn library_events(&self, level: Level, name: &str) -> Vec<&EventRec> {
        self.events
            .iter()
            .filter(|e| e.is_library() && e.level == level && e.field("timer") == Some(name))
            .collect()
    }

    /// The innermost span of an event, if any.
    fn parent(&self, event: &EventRec) -> Option<&SpanRec> {
        event.scope.first().map(|&i| &self.spans[i])
    }
}

fn field<'a>(span: &'a SpanRec, name: &str) -> &'a str {
    span.fields
        .get(name)
        .unwrap_or_else(|| panic!("span {span:?} has no field {name}"))
}

// ---------------------------------------------------------------------------------------------
// Tick spans
// ---------------------------------------------------------------------------------------------

/// Three scheduled ticks of an async target: three INFO spans named `tick` with `timer` = the
/// name and `tick` = 1, 2, 3; events the target emits — before and after an `.await` — have
/// that tick's span as their parent.
#[tokio::test(start_paused = true)]
async fn each_tick_runs_in_a_span_with_timer_and_tick_number() {
    let (capture, _guard) = Capture::install();
    let calls = Arc::new(AtomicU64::new(0));
    let counter = calls.clone();
    let timer = Timer::builder(Duration::from_secs(10), move || {
        let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
        async move {
            tracing::info!(call = n, "target begins");
            tokio::time::sleep(Duration::from_secs(1)).await;
            tracing::info!(call = n, "target ends");
            n
        }
    })
    .name("spans-async")
    .build()
    .unwrap();
    timer.start().unwrap();
    assert_eq!(timer.wait().hit_count(3).await.unwrap(), Some(3));
    timer.cancel().await;

    let c = capture.snapshot();
    let ticks = c.tick_spans("spans-async");
    let numbers: Vec<&str> = ticks.iter().map(|s| field(s, "tick")).collect();
    assert_eq!(numbers, ["1", "2", "3"]);
    for span in &ticks {
        assert_eq!(span.level, Level::INFO);
        assert_eq!(field(span, "triggered"), "false");
    }

    let target_events: Vec<&EventRec> = c
        .events
        .iter()
        .filter(|e| e.message.starts_with("target "))
        .collect();
    assert_eq!(target_events.len(), 6);
    for event in &target_events {
        let parent = c.parent(event).expect("a target event has a parent span");
        assert_eq!(parent.name, "tick");
        assert_eq!(field(parent, "timer"), "spans-async");
        // The event of call n sits in the span of tick n.
        assert_eq!(field(parent, "tick"), event.field("call").unwrap());
    }
    let calls_seen: Vec<&str> = target_events
        .iter()
        .map(|e| e.field("call").unwrap())
        .collect();
    assert_eq!(calls_seen, ["1", "1", "2", "2", "3", "3"]);
}

/// A sync target's events are inside its tick span too, and a triggered tick's span says so
/// (`triggered = true`) and carries the next tick number.
#[tokio::test(start_paused = true)]
async fn sync_target_events_and_triggered_ticks_are_in_their_span() {
    let (capture, _guard) = Capture::install();
    let calls = Arc::new(AtomicU64::new(0));
    let counter = calls.clone();
    let timer = Timer::builder(Duration::from_secs(3600), move || {
        let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
        tracing::warn!(call = n, "sync target");
        n
    })
    .name("spans-sync")
    .build()
    .unwrap();
    timer.start().unwrap();
    assert_eq!(timer.wait().hit_count(1).await.unwrap(), Some(1));
    assert_eq!(timer.trigger().await.unwrap(), 2);
    timer.cancel().await;

    let c = capture.snapshot();
    let ticks = c.tick_spans("spans-sync");
    assert_eq!(ticks.len(), 2);
    assert_eq!(
        (field(ticks[0], "tick"), field(ticks[0], "triggered")),
        ("1", "false")
    );
    assert_eq!(
        (field(ticks[1], "tick"), field(ticks[1], "triggered")),
        ("2", "true")
    );

    let target_events: Vec<&EventRec> = c
        .events
        .iter()
        .filter(|e| e.message == "sync target")
        .collect();
    assert_eq!(target_events.len(), 2);
    for (event, expected_tick) in target_events.iter().zip(["1", "2"]) {
        let parent = c.parent(event).expect("parent span");
        assert_eq!(parent.name, "tick");
        assert_eq!(field(parent, "timer"), "spans-sync");
        assert_eq!(field(parent, "tick"), expected_tick);
    }
    // Events of the test itself, outside any tick, have no tick span.
    tracing::info!("outside");
    let c = capture.snapshot();
    let outside = c.events.iter().find(|e| e.message == "outside").unwrap();
    assert!(outside.scope.is_empty());
}

/// The tick number counts ticks within a run: a restarted timer starts again at 1 (as the
/// crate documentation says), and each span names its own timer when two timers interleave.
#[tokio::test(start_paused = true)]
async fn tick_numbers_restart_with_the_run_and_spans_name_their_timer() {
    let (capture, _guard) = Capture::install();
    let a = Timer::builder(Duration::from_secs(10), || tracing::info!("in a"))
        .name("timer-a")
        .build()
        .unwrap();
    let b = Timer::builder(Duration::from_secs(15), || tracing::info!("in b"))
        .name("timer-b")
        .build()
        .unwrap();
    a.start().unwrap();
    b.start().unwrap();
    a.wait().hit_count(2).await.unwrap(); // t=10: a ticked at 0 and 10, b only at 0 (next: 15)
    a.cancel().await;
    b.cancel().await;
    a.start().unwrap();
    a.wait().hit_count(3).await.unwrap();
    a.cancel().await;

    let c = capture.snapshot();
    let a_ticks: Vec<&str> = c
        .tick_spans("timer-a")
        .iter()
        .map(|s| field(s, "tick"))
        .collect();
    assert_eq!(a_ticks, ["1", "2", "1"]);
    let b_ticks: Vec<&str> = c
        .tick_spans("timer-b")
        .iter()
        .map(|s| field(s, "tick"))
        .collect();
    assert_eq!(b_ticks, ["1"]);
    for event in c.events.iter().filter(|e| e.message.starts_with("in ")) {
        let parent = c.parent(event).expect("parent span");
        let expected = if event.message == "in a" {
            "timer-a"
        } else {
            "timer-b"
        };
        assert_eq!(field(parent, "timer"), expected);
    }
}

// ---------------------------------------------------------------------------------------------
// Skipped slots
// ---------------------------------------------------------------------------------------------

/// Fixed rate, period 10 s. Tick 1 (t=0) takes 25 s: slots 10 and 20 are missed → one warn
/// with skipped=2. Tick 2 (t=30) takes 5 s: no warn. Tick 3 (t=40) takes 35 s: slots 50, 60, 70
/// are missed → one warn with skipped=3. Ticks 4 and 5 (t=80, 90) are instant.
#[tokio::test(start_paused = true)]
async fn fixed_rate_overrun_warns_once_per_batch_with_the_count() {
    let (capture, _guard) = Capture::install();
    let durations = [25u64, 5, 35, 0, 0];
    let calls = Arc::new(AtomicU64::new(0));
    let counter = calls.clone();
    let start = Instant::now();
    let timer = Timer::builder(Duration::from_secs(10), move || {
        let n = counter.fetch_add(1, Ordering::SeqCst);
        let busy = durations.get(n as usize).copied().unwrap_or(0);
        async move {
            let began = start.elapsed().as_secs();
            tokio::time::sleep(Duration::from_secs(busy)).await;
            began
        }
    })
    .name("overrun")
    .mode(Mode::FixedRate)
    .build()
    .unwrap();
    timer.start().unwrap();
    timer.wait().hit_count(5).await.unwrap();
    assert_eq!(timer.last_result(), Some(90)); // tick 5 began at t=90: the grid held
    timer.cancel().await;

    let c = capture.snapshot();
    let warns = c.library_events(Level::WARN, "overrun");
    let counts: Vec<&str> = warns.iter().map(|e| e.field("skipped").unwrap()).collect();
    assert_eq!(counts, ["2", "3"], "{warns:#?}");
    assert!(warns[0].message.contains('2'), "{}", warns[0].message);
    assert!(warns[1].message.contains('3'), "{}", warns[1].message);
    assert_eq!(timer.stats().skipped, 5);
    // No other warning from the library at all.
    let all_library_warns = c.library_count(Level::WARN);
    assert_eq!(all_library_warns, 2);
}

/// A single overrun (the brief's example): period 10 s, the first call takes 25 s → exactly one
/// warn, skipped=2.
#[tokio::test(start_paused = true)]
async fn a_single_overrun_is_exactly_one_warn() {
    let (capture, _guard) = Capture::install();
    let calls = Arc::new(AtomicU64::new(0));
    let counter = calls.clone();
    let timer = Timer::builder(Duration::from_secs(10), move || {
        let first = counter.fetch_add(1, Ordering::SeqCst) == 0;
        async move {
            if first {
                tokio::time::sleep(Duration::from_secs(25)).await;
            }
        }
    })
    .name("overrun-once")
    .mode(Mode::FixedRate)
    .build()
    .unwrap();
    timer.start().unwrap();
    timer.wait().hit_count(4).await.unwrap();
    timer.cancel().await;

    let c = capture.snapshot();
    let warns = c.library_events(Level::WARN, "overrun-once");
    assert_eq!(warns.len(), 1, "{warns:#?}");
    assert_eq!(warns[0].field("skipped"), Some("2"));
    assert_eq!(timer.stats().skipped, 2);
}

/// A target that takes exactly one period misses nothing (SPEC §3 "Decided"): no warn.
#[tokio::test(start_paused = true)]
async fn exactly_one_period_is_not_an_overrun() {
    let (capture, _guard) = Capture::install();
    let start = Instant::now();
    let timer = Timer::builder(Duration::from_secs(10), move || async move {
        let began = start.elapsed().as_secs();
        tokio::time::sleep(Duration::from_secs(10)).await;
        began
    })
    .name("exact")
    .mode(Mode::FixedRate)
    .build()
    .unwrap();
    timer.start().unwrap();
    // Full rate: the 4th tick began at t=30.
    assert_eq!(timer.wait().hit_count(4).await.unwrap(), Some(30));
    timer.cancel().await;

    let c = capture.snapshot();
    assert!(c.library_events(Level::WARN, "exact").is_empty());
    assert_eq!(timer.stats().skipped, 0);
}

/// Coordinated, period 1 s; the store refuses the claims of three slots (SPEC §11: by default
/// the slot is skipped and an `error!` logged): one `error!` per refused slot, naming it, and no
/// other library error.
#[tokio::test(start_paused = true)]
async fn a_slot_skipped_for_an_unreachable_store_is_an_error_naming_the_slot() {
    let (capture, _guard) = Capture::install();
    let next = wall_secs(SystemTime::now) as u64 + 1; // the first slot after the start
    let refused = next + 2..next + 5;
    let replica = Replica::alone().failing(refused.clone(), Failing::Refuse);
    let timer = coordinated("unreachable", secs(1), replica, || ());
    timer.start().unwrap();
    tokio::time::sleep(secs(8)).await;
    timer.cancel().await;

    let c = capture.snapshot();
    let errors = c.library_events(Level::ERROR, "unreachable");
    let slots: Vec<&str> = errors.iter().map(|e| e.field("slot").unwrap()).collect();
    let expected: Vec<String> = refused.map(|k| k.to_string()).collect();
    assert_eq!(slots, expected, "{errors:#?}");
    assert!(
        errors[0].message.contains("could not be reached"),
        "{}",
        errors[0].message
    );
    assert_eq!(timer.stats().skipped, 3);
    let all_library_errors = c.library_count(Level::ERROR);
    assert_eq!(all_library_errors, 3);
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// A target `Err` is one `error!` event with `timer` = the name, naming the error; successful
/// ticks produce none.
#[tokio::test(start_paused = true)]
async fn a_target_error_is_an_error_event_with_the_timer_name() {
    let (capture, _guard) = Capture::install();
    let calls = Arc::new(AtomicU64::new(0));
    let counter = calls.clone();
    let timer = Timer::builder(
        Duration::from_secs(5),
        move || -> Result<u64, std::io::Error> {
            let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
            if n == 2 {
                Err(std::io::Error::other("disk on fire"))
            } else {
                Ok(n)
            }
        },
    )
    .name("fallible")
    .build()
    .unwrap();
    timer.start().unwrap();
    timer.wait().hit_count(1).await.unwrap();
    assert!(matches!(timer.join().await, Err(Error::Target { .. })));
    timer.wait().hit_count(3).await.unwrap(); // OnError::Continue: ticks go on
    timer.cancel().await;

    let c = capture.snapshot();
    let errors = c.library_events(Level::ERROR, "fallible");
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let rendered = format!("{} {:?}", errors[0].message, errors[0].fields);
    assert!(rendered.contains("disk on fire"), "{rendered}");
    assert_eq!(errors[0].field("tick"), Some("2"));
    let all_library_errors = c.library_count(Level::ERROR);
    assert_eq!(all_library_errors, 1);
}

/// A panic and a tick timeout are target failures as well: each one `error!` with the name,
/// and the timer keeps the process and its schedule alive.
#[tokio::test(start_paused = true)]
async fn panics_and_tick_timeouts_are_error_events() {
    let (capture, _guard) = Capture::install();
    let calls = Arc::new(AtomicU64::new(0));
    let counter = calls.clone();
    let timer = Timer::builder(Duration::from_secs(5), move || {
        let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
        async move {
            match n {
                1 => panic!("kaboom in call 1"),
                2 => tokio::time::sleep(Duration::from_secs(60)).await, // over the timeout
                _ => {}
            }
            n
        }
    })
    .name("failing")
    .timeout(Duration::from_secs(2))
    .on_error(OnError::Continue)
    .build()
    .unwrap();
    timer.start().unwrap();
    // On a current-thread runtime the task first runs at our first `.await`, so this `join`
    // sees tick 1, and each following `join` the next tick.
    assert!(matches!(timer.join().await, Err(Error::Panicked { .. })));
    assert!(matches!(timer.join().await, Err(Error::TickTimeout { .. })));
    assert_eq!(timer.join().await.unwrap(), 3);
    timer.cancel().await;
    assert_eq!(timer.stats().errors, 2);

    let c = capture.snapshot();
    let errors = c.library_events(Level::ERROR, "failing");
    assert_eq!(errors.len(), 2, "{errors:#?}");
    let first = format!("{} {:?}", errors[0].message, errors[0].fields);
    let second = format!("{} {:?}", errors[1].message, errors[1].fields);
    assert!(first.contains("kaboom in call 1"), "{first}");
    assert!(
        second.contains("timeout") || second.contains("exceeded"),
        "{second}"
    );
}

// ---------------------------------------------------------------------------------------------
// Lifecycle
// ---------------------------------------------------------------------------------------------

/// Start and stop are `debug!` events with the timer's name, outside any tick span, in order:
/// started, (ticks), stopped — for every run.
#[tokio::test(start_paused = true)]
async fn start_and_stop_are_debug_events() {
    let (capture, _guard) = Capture::install();
    let timer = Timer::builder(Duration::from_secs(1), || 1u8)
        .name("lifecycle")
        .build()
        .unwrap();
    timer.start().unwrap();
    timer.wait().hit_count(2).await.unwrap();
    timer.cancel().await;
    timer.start().unwrap();
    timer.wait().hit_count(3).await.unwrap();
    timer.cancel().await;

    let c = capture.snapshot();
    let debug = c.library_events(Level::DEBUG, "lifecycle");
    let kinds: Vec<&str> = debug
        .iter()
        .map(|e| {
            if e.message.contains("start") {
                "start"
            } else if e.message.contains("stop") {
                "stop"
            } else {
                "other"
            }
        })
        .collect();
    assert_eq!(kinds, ["start", "stop", "start", "stop"], "{debug:#?}");
    for event in &debug {
        assert!(
            event.scope.iter().all(|&i| c.spans[i].name != "tick"),
            "{event:?}"
        );
    }
    // The stop event says why the run ended.
    assert!(debug[1].field("reason").unwrap().contains("Cancelled"));
}

/// A run that ends on its own (`OnError::Stop`) also logs its stop, with the reason.
#[tokio::test(start_paused = true)]
async fn a_run_ending_on_failure_logs_its_stop() {
    let (capture, _guard) = Capture::install();
    let timer = Timer::builder(Duration::from_secs(1), || -> Result<u8, std::io::Error> {
        Err(std::io::Error::other("fatal"))
    })
    .name("stops-itself")
    .on_error(OnError::Stop)
    .build()
    .unwrap();
    timer.start().unwrap();
    // A wait pending when a tick fails ends with that error; the next idle wait ends when the
    // run has ended.
    assert!(matches!(timer.wait().await, Err(Error::Target { .. })));
    assert_eq!(timer.wait().await.unwrap(), None);
    assert!(!timer.is_running());

    let c = capture.snapshot();
    let debug = c.library_events(Level::DEBUG, "stops-itself");
    assert_eq!(debug.len(), 2, "{debug:#?}");
    assert!(debug[0].message.contains("start"));
    assert!(debug[1].message.contains("stop"));
    assert!(debug[1].field("reason").unwrap().contains("Failed"));
    assert_eq!(c.library_events(Level::ERROR, "stops-itself").len(), 1);
}

// ---------------------------------------------------------------------------------------------
// No printing
// ---------------------------------------------------------------------------------------------

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Library code never writes to stdout or stderr: no `print!`-family macro, `dbg!` or direct
/// `stdout()`/`stderr()` outside comments (doc examples may print; they are not library code).
#[test]
fn library_source_never_prints() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(
        files.iter().any(|f| f.ends_with("driver.rs")),
        "scanned the wrong directory: {files:?}"
    );
    let forbidden = [
        "print!(",
        "println!(",
        "eprint!(",
        "eprintln!(",
        "dbg!(",
        "stdout()",
        "stderr()",
    ];
    let mut offences = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (no, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            for needle in forbidden {
                if code.contains(needle) {
                    offences.push(format!("{}:{}: {}", file.display(), no + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        offences.is_empty(),
        "library code prints:\n{}",
        offences.join("\n")
    );
}
