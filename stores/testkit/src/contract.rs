//! The scenarios of [`Coordinator`]'s contract that every store's tests run against its real
//! server, written once: many replicas racing for one slot, and a replica whose connection is
//! cut or stalled through a [`Proxy`] and then restored. What is store-specific (how a store
//! names a slot in its errors, how its error says it timed out, what it wrote) stays in the
//! store's tests, as closures and as checks on what these return.
//!
//! # Examples
//!
//! A store's race test, here on the in-memory store (its clones share one store):
//!
//! ```
//! use std::sync::Arc;
//! use std::time::Duration;
//! use periodic::{InMemoryCoordinator, Slot};
//! use periodic_store_testkit::contract;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let store = InMemoryCoordinator::new("a");
//! let replicas: Vec<_> = (0..4).map(|_| Arc::new(store.clone())).collect();
//! for k in 1..=3 {
//!     let slot = Slot::new("job", k, Duration::from_secs(60), Duration::ZERO);
//!     contract::exactly_one_claim_wins(&replicas, &slot).await;
//! }
//! assert_eq!(store.claimed("job"), [1, 2, 3]);
//! # }
//! ```

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use periodic::{BoxError, Coordinator, RunOutcome, RunRecord, Slot};
use tokio::sync::Barrier;

use crate::{Proxy, within};

/// The failure bound of a store call that must not hang: longer than any store's own timeout
/// in the tests, so that a store that ignores its timeout fails here.
///
/// # Examples
///
/// ```
/// use periodic_store_testkit::{contract::CALL_BOUND, within};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let answer = within(CALL_BOUND, "a store call", async { Ok::<bool, ()>(true) }).await;
/// assert_eq!(answer, Ok(true));
/// # }
/// ```
pub const CALL_BOUND: Duration = Duration::from_secs(10);

/// How long claims may take to succeed again after a connection is restored, while the store's
/// client notices its dead connections and reconnects.
const RECOVERY_BOUND: Duration = Duration::from_secs(30);

/// Panics unless every replica has an owner of its own: a store tells replicas apart by owner.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use periodic::InMemoryCoordinator;
///
/// let replicas = [InMemoryCoordinator::new("a"), InMemoryCoordinator::new("b")].map(Arc::new);
/// periodic_store_testkit::contract::assert_distinct_owners(&replicas);
/// ```
pub fn assert_distinct_owners<C: Coordinator>(replicas: &[Arc<C>]) {
    let mut owners: Vec<&str> = replicas.iter().map(|r| r.owner()).collect();
    owners.sort_unstable();
    owners.dedup();
    assert_eq!(
        owners.len(),
        replicas.len(),
        "every replica has an owner of its own"
    );
}

/// Every replica claims `slot` at once (one task each, released together by a barrier); panics
/// unless exactly one claim won, and returns the winner's owner so that the caller can check
/// that the store names it. Each claim must answer within [`CALL_BOUND`].
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use std::time::Duration;
/// use periodic::{InMemoryCoordinator, Slot};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// // Clones share one store (and here one owner).
/// let store = InMemoryCoordinator::new("a");
/// let replicas = vec![Arc::new(store.clone()), Arc::new(store)];
/// let slot = Slot::new("job", 1, Duration::from_secs(60), Duration::ZERO);
/// let winner = periodic_store_testkit::contract::exactly_one_claim_wins(&replicas, &slot).await;
/// assert_eq!(winner, "a");
/// # }
/// ```
pub async fn exactly_one_claim_wins<C: Coordinator>(replicas: &[Arc<C>], slot: &Slot) -> String {
    let barrier = Arc::new(Barrier::new(replicas.len()));
    let tasks: Vec<_> = replicas
        .iter()
        .map(|replica| {
            let (replica, barrier, slot) = (replica.clone(), barrier.clone(), slot.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                let won = replica.claim(&slot).await.unwrap();
                (won, replica.owner().to_owned())
            })
        })
        .collect();
    let mut winners = Vec::new();
    for task in tasks {
        let (won, owner) = within(CALL_BOUND, "a claim", task).await.unwrap();
        if won {
            winners.push(owner);
        }
    }
    assert_eq!(winners.len(), 1, "slot {}: winners {winners:?}", slot.index);
    winners.remove(0)
}

/// Claims fresh slots (`slot(first)`, `slot(first + 1)`, …) until one succeeds and returns it:
/// after a restored connection, claims must succeed again on their own. Each claim is bounded
/// by [`CALL_BOUND`], and they must succeed within 30 s; a fresh slot can never be `Ok(false)`.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use periodic::{InMemoryCoordinator, Slot};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let store = InMemoryCoordinator::new("a");
/// let slot = |k| Slot::new("job", k, Duration::from_secs(60), Duration::ZERO);
/// let won = periodic_store_testkit::contract::claims_recover(&store, slot, 100).await;
/// assert_eq!(won.index, 100);
/// # }
/// ```
pub async fn claims_recover(
    replica: &dyn Coordinator,
    slot: impl Fn(u64) -> Slot,
    first: u64,
) -> Slot {
    let deadline = Instant::now() + RECOVERY_BOUND;
    for index in first.. {
        let s = slot(index);
        match within(CALL_BOUND, "a claim", replica.claim(&s)).await {
            Ok(true) => return s,
            Ok(false) => panic!("a fresh slot {index} was taken"),
            Err(_) if Instant::now() < deadline => {
                // The client is still noticing its dead connections and reconnecting: try
                // again shortly.
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("claims did not recover: {e}"),
        }
    }
    unreachable!()
}

/// The contract while a store is unreachable and after it is back, with `through_proxy`
/// reaching the store through `proxy` and `direct` reaching it directly, both on the same
/// table or key prefix, and `slot(k)` the `k`-th slot of a job of this test alone:
///
/// - `through_proxy` claims slot 1; then the proxy is cut;
/// - claims of slots 2 to 4 return `Err`, never `Ok(false)`, within [`CALL_BOUND`], each
///   error handed to `check_claim_error` with its slot;
/// - slot 10, claimed by `direct` meanwhile, is an `Err` too, and so are `prepare` and the
///   record of slot 1;
/// - after the proxy resumes, claims succeed again on their own ([`claims_recover`], from
///   slot 100), and the recovered claim is real (`direct` is refused it); slot 10 is still
///   `direct`'s, and `prepare` and the record of slot 1 succeed.
///
/// # Examples
///
/// ```no_run
/// use std::time::Duration;
/// use periodic::{InMemoryCoordinator, Slot};
/// use periodic_store_testkit::{Proxy, contract};
///
/// # async fn f(proxy: Proxy, through_proxy: InMemoryCoordinator, direct: InMemoryCoordinator) {
/// // In a store's tests: two coordinators of that store, one through `proxy`.
/// let slot = |k| Slot::new("job", k, Duration::from_secs(60), Duration::ZERO);
/// contract::claims_fail_during_a_cut_and_recover(
///     &proxy,
///     &through_proxy,
///     &direct,
///     slot,
///     |slot, error| assert!(error.to_string().contains(&*slot.job), "{error}"),
/// )
/// .await;
/// # }
/// ```
pub async fn claims_fail_during_a_cut_and_recover(
    proxy: &Proxy,
    through_proxy: &dyn Coordinator,
    direct: &dyn Coordinator,
    slot: impl Fn(u64) -> Slot,
    check_claim_error: impl Fn(&Slot, BoxError),
) {
    assert!(through_proxy.claim(&slot(1)).await.unwrap());

    proxy.cut().await;
    for index in 2..5 {
        let s = slot(index);
        let claim = within(
            CALL_BOUND,
            "a claim during the cut",
            through_proxy.claim(&s),
        )
        .await;
        check_claim_error(&s, claim.expect_err("Err during the cut, not Ok(false)"));
    }
    // A slot the other replica claims meanwhile is not the cut replica's either.
    let claim = within(CALL_BOUND, "the other's claim", direct.claim(&slot(10))).await;
    assert!(claim.unwrap());
    let claim = within(
        CALL_BOUND,
        "a claim during the cut",
        through_proxy.claim(&slot(10)),
    )
    .await;
    assert!(claim.is_err());
    assert!(
        within(CALL_BOUND, "prepare", through_proxy.prepare())
            .await
            .is_err()
    );
    let run = RunRecord::new(SystemTime::now(), SystemTime::now(), RunOutcome::Ok);
    assert!(
        within(CALL_BOUND, "record", through_proxy.record(&slot(1), &run))
            .await
            .is_err()
    );

    proxy.resume().await;
    let recovered = claims_recover(through_proxy, &slot, 100).await;
    let claim = within(CALL_BOUND, "a claim after", direct.claim(&recovered)).await;
    assert!(!claim.unwrap(), "the recovered claim is real");
    let claim = within(CALL_BOUND, "a claim after", through_proxy.claim(&slot(10))).await;
    assert!(!claim.unwrap(), "still the other's");
    within(CALL_BOUND, "prepare after", through_proxy.prepare())
        .await
        .unwrap();
    within(
        CALL_BOUND,
        "record after",
        through_proxy.record(&slot(1), &run),
    )
    .await
    .unwrap();
}

/// The contract while a store's connection is stalled (open, but nothing passes) and after:
/// `through_proxy` claims `slot(1)`; during the stall its claim of `slot(2)` returns `Err`
/// within [`CALL_BOUND`], handed to `check_timeout` (which checks that the store's error says
/// it timed out); after it, claims succeed again on their own ([`claims_recover`], from slot
/// 100).
///
/// # Examples
///
/// ```no_run
/// use std::time::Duration;
/// use periodic::{InMemoryCoordinator, Slot};
/// use periodic_store_testkit::{Proxy, contract};
///
/// # async fn f(proxy: Proxy, through_proxy: InMemoryCoordinator) {
/// // In a store's tests: a coordinator of that store through `proxy`.
/// let slot = |k| Slot::new("job", k, Duration::from_secs(60), Duration::ZERO);
/// contract::claims_time_out_during_a_stall_and_recover(&proxy, &through_proxy, slot, |error| {
///     assert!(error.to_string().contains("timed out"), "{error}")
/// })
/// .await;
/// # }
/// ```
pub async fn claims_time_out_during_a_stall_and_recover(
    proxy: &Proxy,
    through_proxy: &dyn Coordinator,
    slot: impl Fn(u64) -> Slot,
    check_timeout: impl FnOnce(BoxError),
) {
    assert!(through_proxy.claim(&slot(1)).await.unwrap());

    proxy.stall().await;
    let claim = within(
        CALL_BOUND,
        "a claim during the stall",
        through_proxy.claim(&slot(2)),
    )
    .await;
    check_timeout(claim.expect_err("Err during the stall"));

    proxy.resume().await;
    claims_recover(through_proxy, slot, 100).await;
}
