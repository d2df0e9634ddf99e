//! The runtime half of `#[every]`'s arguments: for each accepted form, the timer the job gets.
//!
//! Every test starts only its own job, through the job's handle (never `run_all`), so the tests
//! of this file can run in parallel. Timing assertions run under paused time and compare exact
//! virtual instants, recorded by the jobs themselves.

use std::io;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use periodic::{Error, JobInfo, Mode, StopReason, every};
use periodic_tests::{ms, secs, within};
use tokio::time::{Instant, sleep};

/// The registry's entry for `name`.
fn info(name: &str) -> JobInfo {
    let found: Vec<_> = periodic::registry()
        .into_iter()
        .filter(|j| j.name == name)
        .collect();
    assert_eq!(found.len(), 1, "exactly one job named {name}: {found:?}");
    found.into_iter().next().unwrap()
}

/// The instants at which a job was called.
struct Calls(Mutex<Vec<Instant>>);

impl Calls {
    const fn new() -> Self {
        Calls(Mutex::new(Vec::new()))
    }
    /// Records a call; returns its 1-based number.
    fn record(&self) -> u32 {
        let mut v = self.0.lock().unwrap();
        v.push(Instant::now());
        u32::try_from(v.len()).unwrap()
    }
    fn get(&self) -> Vec<Instant> {
        self.0.lock().unwrap().clone()
    }
}

fn at(t0: Instant, offsets: &[Duration]) -> Vec<Instant> {
    offsets.iter().map(|d| t0 + *d).collect()
}

// ---------------------------------------------------------------------------------------------
// The period, in every accepted form.

const REFRESH: Duration = Duration::from_secs(7);

mod consts {
    pub(crate) const NESTED: std::time::Duration = std::time::Duration::from_millis(333);
}

#[every(5s)]
fn p_5s() {}
#[every(250ms)]
fn p_250ms() {}
#[every(1.5s)]
fn p_1_5s() {}
#[every(1m30s)]
fn p_1m30s() {}
#[every("1h 30m")]
fn p_str() {}
#[every(REFRESH)]
fn p_const() {}
#[every(consts::NESTED)]
fn p_const_path() {}
#[every(Duration::from_millis(1500) * 2)]
fn p_expr() {}
#[every(100ns)]
fn p_ns() {}
#[every(750us)]
fn p_us() {}
#[every(2m)]
fn p_m() {}
#[every(3h)]
fn p_h() {}
#[every(1d)]
fn p_d() {}
#[every(0.5m)]
fn p_half_minute() {}
#[every(1h2m3s4ms)]
fn p_compound() {}

#[test]
fn period_forms_give_the_declared_period() {
    let cases: [(&str, Duration, Duration); 15] = [
        ("p_5s", p_5s.period(), secs(5)),
        ("p_250ms", p_250ms.period(), ms(250)),
        ("p_1_5s", p_1_5s.period(), ms(1500)),
        ("p_1m30s", p_1m30s.period(), secs(90)),
        ("p_str", p_str.period(), secs(5400)),
        ("p_const", p_const.period(), secs(7)),
        ("p_const_path", p_const_path.period(), ms(333)),
        ("p_expr", p_expr.period(), secs(3)),
        ("p_ns", p_ns.period(), Duration::from_nanos(100)),
        ("p_us", p_us.period(), Duration::from_micros(750)),
        ("p_m", p_m.period(), secs(120)),
        ("p_h", p_h.period(), secs(3 * 3600)),
        ("p_d", p_d.period(), secs(24 * 3600)),
        ("p_half_minute", p_half_minute.period(), secs(30)),
        ("p_compound", p_compound.period(), secs(3723) + ms(4)),
    ];
    for (name, period, expected) in cases {
        assert_eq!(period, expected, "{name}: the timer's period");
        assert_eq!(info(name).period, expected, "{name}: the registry's period");
    }
}

static PERIOD_CALLS: Calls = Calls::new();

#[every(1m30s)]
fn p_observed() {
    PERIOD_CALLS.record();
}

#[tokio::test(start_paused = true)]
async fn the_period_spaces_the_ticks() {
    let t0 = Instant::now();
    p_observed.start().unwrap();
    within(p_observed.wait().hit_count(3)).await.unwrap();
    assert_eq!(PERIOD_CALLS.get(), at(t0, &[secs(0), secs(90), secs(180)]));
    p_observed.cancel().await;
}

// ---------------------------------------------------------------------------------------------
// Mode.

static RATE_CALLS: Calls = Calls::new();
static DELAY_CALLS: Calls = Calls::new();
static DEFAULT_MODE_CALLS: Calls = Calls::new();

#[every(10s, mode = "fixed_rate")]
async fn m_rate() {
    RATE_CALLS.record();
    sleep(secs(3)).await;
}

#[every(10s, mode = "fixed_delay")]
async fn m_delay() {
    DELAY_CALLS.record();
    sleep(secs(3)).await;
}

#[every(10s)]
async fn m_default() {
    DEFAULT_MODE_CALLS.record();
    sleep(secs(3)).await;
}

#[test]
fn mode_is_the_declared_one_and_fixed_delay_by_default() {
    assert_eq!(m_rate.mode(), Mode::FixedRate);
    assert_eq!(m_delay.mode(), Mode::FixedDelay);
    assert_eq!(m_default.mode(), Mode::FixedDelay);
    assert_eq!(info("m_rate").mode, Mode::FixedRate);
    assert_eq!(info("m_delay").mode, Mode::FixedDelay);
    assert_eq!(info("m_default").mode, Mode::FixedDelay);
}

#[tokio::test(start_paused = true)]
async fn fixed_rate_keeps_the_grid_with_a_slow_target() {
    let t0 = Instant::now();
    m_rate.start().unwrap();
    within(m_rate.wait().hit_count(3)).await.unwrap();
    assert_eq!(RATE_CALLS.get(), at(t0, &[secs(0), secs(10), secs(20)]));
    m_rate.cancel().await;
}

#[tokio::test(start_paused = true)]
async fn fixed_delay_waits_a_period_after_each_tick() {
    let t0 = Instant::now();
    m_delay.start().unwrap();
    within(m_delay.wait().hit_count(3)).await.unwrap();
    assert_eq!(DELAY_CALLS.get(), at(t0, &[secs(0), secs(13), secs(26)]));
    m_delay.cancel().await;
}

#[tokio::test(start_paused = true)]
async fn the_default_mode_behaves_as_fixed_delay() {
    let t0 = Instant::now();
    m_default.start().unwrap();
    within(m_default.wait().hit_count(3)).await.unwrap();
    assert_eq!(
        DEFAULT_MODE_CALLS.get(),
        at(t0, &[secs(0), secs(13), secs(26)])
    );
    m_default.cancel().await;
}

// ---------------------------------------------------------------------------------------------
// Name.

#[every(1s, name = "custom name.v2")]
fn n_named() -> u8 {
    1
}

#[every(1s)]
fn n_default() -> u8 {
    2
}

#[test]
fn name_is_the_argument_or_the_function_name() {
    assert_eq!(n_named.name(), "custom name.v2");
    assert_eq!(n_default.name(), "n_default");
    assert_eq!(info("custom name.v2").period, secs(1));
    assert!(
        periodic::registry().iter().all(|j| j.name != "n_named"),
        "a named job is registered under its name only"
    );
    assert_eq!(info("n_default").name, "n_default");
}

// ---------------------------------------------------------------------------------------------
// Initial delay.

static DELAY_2S_CALLS: Calls = Calls::new();
static DELAY_STR_CALLS: Calls = Calls::new();
static DELAY_EXPR_CALLS: Calls = Calls::new();
static NO_DELAY_CALLS: Calls = Calls::new();

#[every(10s, initial_delay = 2s)]
fn d_literal() {
    DELAY_2S_CALLS.record();
}

#[every(10s, initial_delay = "1m 5s", mode = "fixed_rate")]
fn d_string() {
    DELAY_STR_CALLS.record();
}

#[every(10s, initial_delay = Duration::from_millis(2500))]
fn d_expr() {
    DELAY_EXPR_CALLS.record();
}

#[every(10s)]
fn d_none() {
    NO_DELAY_CALLS.record();
}

#[tokio::test(start_paused = true)]
async fn initial_delay_literal_delays_the_first_tick() {
    let t0 = Instant::now();
    d_literal.start().unwrap();
    within(d_literal.wait().hit_count(2)).await.unwrap();
    assert_eq!(DELAY_2S_CALLS.get(), at(t0, &[secs(2), secs(12)]));
    d_literal.cancel().await;
}

#[tokio::test(start_paused = true)]
async fn initial_delay_string_delays_the_first_tick() {
    let t0 = Instant::now();
    d_string.start().unwrap();
    within(d_string.wait().hit_count(2)).await.unwrap();
    assert_eq!(DELAY_STR_CALLS.get(), at(t0, &[secs(65), secs(75)]));
    d_string.cancel().await;
}

#[tokio::test(start_paused = true)]
async fn initial_delay_expression_delays_the_first_tick() {
    let t0 = Instant::now();
    d_expr.start().unwrap();
    within(d_expr.wait().hit_count(2)).await.unwrap();
    assert_eq!(DELAY_EXPR_CALLS.get(), at(t0, &[ms(2500), ms(12500)]));
    d_expr.cancel().await;
}

#[tokio::test(start_paused = true)]
async fn no_initial_delay_ticks_at_start() {
    let t0 = Instant::now();
    d_none.start().unwrap();
    within(d_none.wait().hit_count(2)).await.unwrap();
    assert_eq!(NO_DELAY_CALLS.get(), at(t0, &[secs(0), secs(10)]));
    d_none.cancel().await;
}

// ---------------------------------------------------------------------------------------------
// Jitter.

static JITTER_CALLS: Calls = Calls::new();
static FULL_JITTER_CALLS: Calls = Calls::new();

#[every(10s, jitter = 0.5)]
fn j_half() {
    JITTER_CALLS.record();
}

#[every(10s, jitter = 1)]
fn j_full() {
    FULL_JITTER_CALLS.record();
}

fn gaps(calls: &[Instant]) -> Vec<Duration> {
    calls.windows(2).map(|w| w[1] - w[0]).collect()
}

#[tokio::test(start_paused = true)]
async fn jitter_moves_each_sleep_within_its_bound() {
    j_half.start().unwrap();
    within(j_half.wait().hit_count(9)).await.unwrap();
    j_half.cancel().await;
    let gaps = gaps(&JITTER_CALLS.get());
    assert_eq!(gaps.len(), 8);
    // ±0.5·10 s around 10 s (tokio's timer rounds a deadline up to the next millisecond).
    for gap in &gaps {
        assert!(
            (secs(5)..=secs(15) + ms(1)).contains(gap),
            "a gap of {gap:?} is outside 10 s ± 50 %: {gaps:?}"
        );
    }
    assert!(
        gaps.iter().any(|g| *g != secs(10)),
        "jitter = 0.5 never moved a tick: {gaps:?}"
    );
    let distinct: std::collections::BTreeSet<_> = gaps.iter().collect();
    assert!(distinct.len() >= 4, "jitter is not random: {gaps:?}");
}

#[tokio::test(start_paused = true)]
async fn jitter_one_stays_within_a_full_period() {
    j_full.start().unwrap();
    within(j_full.wait().hit_count(9)).await.unwrap();
    j_full.cancel().await;
    let gaps = gaps(&FULL_JITTER_CALLS.get());
    for gap in &gaps {
        assert!(
            *gap <= secs(20) + ms(1),
            "a gap of {gap:?} exceeds 2 periods"
        );
    }
    assert!(gaps.iter().any(|g| *g != secs(10)), "{gaps:?}");
}

// The jobs without `jitter` (d_none, p_observed, m_delay…) tick at exact periods: see above.

// ---------------------------------------------------------------------------------------------
// on_error.

static STOP_CALLS: AtomicU32 = AtomicU32::new(0);
static CONTINUE_CALLS: AtomicU32 = AtomicU32::new(0);
static DEFAULT_ERR_CALLS: AtomicU32 = AtomicU32::new(0);

#[every(1s, on_error = "stop")]
fn e_stop() -> Result<u32, io::Error> {
    let n = STOP_CALLS.fetch_add(1, Ordering::SeqCst) + 1;
    if n == 2 {
        Err(io::Error::other("boom"))
    } else {
        Ok(n)
    }
}

/// Fails on odd calls.
#[every(1s, on_error = "continue")]
async fn e_continue() -> Result<u32, io::Error> {
    let n = CONTINUE_CALLS.fetch_add(1, Ordering::SeqCst) + 1;
    if n % 2 == 1 {
        Err(io::Error::other(format!("odd {n}")))
    } else {
        Ok(n)
    }
}

#[every(1s)]
fn e_default() -> Result<u32, io::Error> {
    let n = DEFAULT_ERR_CALLS.fetch_add(1, Ordering::SeqCst) + 1;
    if n == 1 {
        Err(io::Error::other("first"))
    } else {
        Ok(n)
    }
}

#[tokio::test(start_paused = true)]
async fn on_error_stop_stops_the_job_at_the_first_error() {
    let t0 = Instant::now();
    e_stop.start().unwrap();
    // The idle wait ends when the timer stops.
    let outcome = within(e_stop.wait()).await;
    assert!(
        matches!(&outcome, Err(Error::Target { name, .. }) if &**name == "e_stop"),
        "{outcome:?}"
    );
    within(async {
        while e_stop.is_running() {
            tokio::task::yield_now().await;
        }
    })
    .await;
    assert_eq!(Instant::now() - t0, secs(1), "stopped at the second tick");
    assert!(matches!(e_stop.last_stop(), Some(StopReason::Failed(_))));
    sleep(secs(60)).await;
    assert_eq!(STOP_CALLS.load(Ordering::SeqCst), 2, "never called again");
    let stats = e_stop.stats();
    assert_eq!((stats.hits, stats.errors), (1, 1));
    assert_eq!(e_stop.last_result(), Some(1));
}

#[tokio::test(start_paused = true)]
async fn on_error_continue_keeps_the_schedule() {
    let t0 = Instant::now();
    e_continue.start().unwrap();
    // Waits are interrupted by failed ticks: wait tick by tick for the first 6 calls.
    while CONTINUE_CALLS.load(Ordering::SeqCst) < 6 {
        assert!(e_continue.is_running(), "stopped after an error");
        let _ = within(e_continue.join()).await;
    }
    assert!(e_continue.is_running());
    assert_eq!(Instant::now() - t0, secs(5));
    let stats = e_continue.stats();
    assert_eq!((stats.hits, stats.errors, stats.ticks), (3, 3, 6));
    assert_eq!(e_continue.last_result(), Some(6));
    e_continue.cancel().await;
}

#[tokio::test(start_paused = true)]
async fn on_error_defaults_to_continue() {
    e_default.start().unwrap();
    let first = within(e_default.join()).await;
    assert!(matches!(first, Err(Error::Target { .. })), "{first:?}");
    assert_eq!(within(e_default.join()).await.unwrap(), 2);
    assert!(e_default.is_running());
    e_default.cancel().await;
}

// ---------------------------------------------------------------------------------------------
// Tick timeout.

#[every(1s, timeout = 100ms)]
async fn t_literal() -> u32 {
    sleep(secs(1)).await;
    1
}

#[every(10s, timeout = "2s")]
async fn t_string() -> u32 {
    sleep(secs(3)).await;
    2
}

#[every(10s, timeout = Duration::from_millis(300) * 2)]
async fn t_expr() -> u32 {
    sleep(ms(500)).await; // within the timeout
    3
}

#[tokio::test(start_paused = true)]
async fn timeout_literal_drops_a_slow_tick() {
    let t0 = Instant::now();
    t_literal.start().unwrap();
    let outcome = within(t_literal.join()).await;
    match outcome {
        Err(Error::TickTimeout { name, timeout }) => {
            assert_eq!(&*name, "t_literal");
            assert_eq!(timeout, ms(100));
        }
        other => panic!("expected TickTimeout, got {other:?}"),
    }
    assert_eq!(Instant::now() - t0, ms(100));
    assert_eq!(t_literal.hit_count(), 0);
    assert!(t_literal.is_running(), "on_error defaults to continue");
    t_literal.cancel().await;
}

#[tokio::test(start_paused = true)]
async fn timeout_string_drops_a_slow_tick() {
    let t0 = Instant::now();
    t_string.start().unwrap();
    let outcome = within(t_string.join()).await;
    assert!(
        matches!(outcome, Err(Error::TickTimeout { timeout, .. }) if timeout == secs(2)),
        "{outcome:?}"
    );
    assert_eq!(Instant::now() - t0, secs(2));
    t_string.cancel().await;
}

#[tokio::test(start_paused = true)]
async fn timeout_expression_lets_a_fast_tick_finish() {
    let t0 = Instant::now();
    t_expr.start().unwrap();
    assert_eq!(within(t_expr.join()).await.unwrap(), 3);
    assert_eq!(Instant::now() - t0, ms(500));
    assert_eq!(t_expr.stats().errors, 0);
    t_expr.cancel().await;
}

// ---------------------------------------------------------------------------------------------
// autostart and coordinated, as the registry reports them (run_all's use of autostart is
// tested in configure.rs).

#[every(1s, autostart = false)]
fn a_manual() {}

#[every(1s, autostart = true)]
fn a_auto() {}

#[every(1s, mode = "fixed_rate", coordinated = true)]
fn c_coordinated() {}

#[test]
fn autostart_and_coordinated_are_in_the_registry() {
    assert!(!info("a_manual").autostart);
    assert!(info("a_auto").autostart);
    assert!(info("p_5s").autostart, "autostart defaults to true");
    assert!(info("c_coordinated").coordinated);
    assert!(!info("p_5s").coordinated, "coordinated defaults to false");
}

#[tokio::test(start_paused = true)]
async fn an_autostart_false_job_starts_through_its_handle() {
    assert!(!a_manual.is_running());
    a_manual.start().unwrap();
    within(a_manual.wait().hit_count(1)).await.unwrap();
    a_manual.cancel().await;
}

// ---------------------------------------------------------------------------------------------
// All the arguments at once, in an unusual order.

static ALL_CALLS: Calls = Calls::new();

#[every(
    4s,
    timeout = 1s,
    on_error = "stop",
    initial_delay = 3s,
    name = "everything",
    jitter = 0.0,
    autostart = false,
    mode = "fixed_rate"
)]
async fn all_args() -> Result<u32, io::Error> {
    let n = ALL_CALLS.record();
    if n == 3 {
        sleep(secs(2)).await; // exceeds the timeout: stops the job
    }
    Ok(n)
}

#[tokio::test(start_paused = true)]
async fn every_argument_together() {
    assert_eq!(all_args.name(), "everything");
    assert_eq!(all_args.period(), secs(4));
    assert_eq!(all_args.mode(), Mode::FixedRate);
    assert!(!info("everything").autostart);
    let t0 = Instant::now();
    all_args.start().unwrap();
    let outcome = within(all_args.wait()).await;
    assert!(
        matches!(outcome, Err(Error::TickTimeout { timeout, .. }) if timeout == secs(1)),
        "{outcome:?}"
    );
    assert_eq!(ALL_CALLS.get(), at(t0, &[secs(3), secs(7), secs(11)]));
    within(async {
        while all_args.is_running() {
            tokio::task::yield_now().await;
        }
    })
    .await;
    assert!(matches!(
        all_args.last_stop(),
        Some(StopReason::Failed(Error::TickTimeout { .. }))
    ));
    assert_eq!(all_args.hit_count(), 2);
}
