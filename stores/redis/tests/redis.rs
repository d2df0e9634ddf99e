//! `RedisCoordinator` against the real Redis named by `PERIODIC_TEST_REDIS_URL` (each test
//! prints a notice and passes without it), except the test of an unreachable Redis, which needs
//! none. Every test uses a key prefix of its own (random), so they run in parallel.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use periodic::{Coordinator, RunOutcome, RunRecord, Slot};
use periodic_redis::{MAX_TTL, Operation, RedisCoordinator};
use periodic_store_testkit::contract::{self, CALL_BOUND as BOUND};
use periodic_store_testkit::{Proxy, REDIS_URL_VAR, env_url, unique, within};
use redis::aio::ConnectionManager;

const MINUTE: Duration = Duration::from_secs(60);

fn slot(job: &str, index: u64) -> Slot {
    Slot::new(job, index, MINUTE, Duration::ZERO)
}

/// A coordinator with a connection of its own and a fresh key prefix.
async fn replica(url: &str, prefix: &str) -> RedisCoordinator {
    RedisCoordinator::connect(url)
        .await
        .expect("connect to the test Redis")
        .prefix(prefix)
}

/// A plain connection, to look at the keys.
async fn inspector(url: &str) -> ConnectionManager {
    ConnectionManager::new(redis::Client::open(url).unwrap())
        .await
        .unwrap()
}

async fn get(conn: &mut ConnectionManager, key: &str) -> Option<String> {
    redis::cmd("GET").arg(key).query_async(conn).await.unwrap()
}

async fn pttl(conn: &mut ConnectionManager, key: &str) -> i64 {
    redis::cmd("PTTL").arg(key).query_async(conn).await.unwrap()
}

fn millis(t: SystemTime) -> u64 {
    u64::try_from(t.duration_since(UNIX_EPOCH).unwrap().as_millis()).unwrap()
}

#[tokio::test]
async fn prepare_pings() {
    let Some(url) = env_url(REDIS_URL_VAR) else {
        return;
    };
    let coordinator = replica(&url, &unique("periodic-test")).await;
    within(BOUND, "prepare", coordinator.prepare())
        .await
        .unwrap();
    // On a manager made by the caller, too.
    let coordinator = RedisCoordinator::new(inspector(&url).await);
    within(BOUND, "prepare", coordinator.prepare())
        .await
        .unwrap();
}

#[tokio::test]
async fn exactly_one_of_many_concurrent_claims_of_a_slot_wins() {
    let Some(url) = env_url(REDIS_URL_VAR) else {
        return;
    };
    const REPLICAS: usize = 24;
    let prefix = unique("periodic-test");
    let mut replicas = Vec::with_capacity(REPLICAS);
    for _ in 0..REPLICAS {
        replicas.push(Arc::new(replica(&url, &prefix).await));
    }
    // The default owners.
    contract::assert_distinct_owners(&replicas);

    let mut conn = inspector(&url).await;
    for index in 1..=5 {
        let winner = contract::exactly_one_claim_wins(&replicas, &slot("job", index)).await;
        let key = format!("{prefix}:job:{index}");
        assert_eq!(get(&mut conn, &key).await.as_deref(), Some(&*winner));
    }
}

#[tokio::test]
async fn different_slots_and_jobs_do_not_collide() {
    let Some(url) = env_url(REDIS_URL_VAR) else {
        return;
    };
    let prefix = unique("periodic-test");
    let a = replica(&url, &prefix).await;
    let b = replica(&url, &prefix).await;
    // `a:1` slot 2 and `a` slot 1 share no key even with a colon in the name.
    let slots = [slot("a", 1), slot("a", 2), slot("b", 1), slot("a:1", 2)];
    for s in &slots {
        assert!(a.claim(s).await.unwrap(), "{s:?} is free");
    }
    for s in &slots {
        assert!(
            !a.claim(s).await.unwrap(),
            "{s:?} is claimed once, even by its owner"
        );
        assert!(!b.claim(s).await.unwrap(), "{s:?} is taken");
    }
    // Another prefix is another namespace.
    let other = replica(&url, &unique("periodic-test")).await;
    assert!(other.claim(&slots[0]).await.unwrap());
}

#[tokio::test]
async fn the_expiry_is_set_and_bounded() {
    let Some(url) = env_url(REDIS_URL_VAR) else {
        return;
    };
    let prefix = unique("periodic-test");
    let coordinator = replica(&url, &prefix).await;
    let mut conn = inspector(&url).await;
    let day = 24 * 3600;
    // (period, expected ttl): max(2 × period, 10 s), at most 30 days.
    let cases = [
        (Duration::from_millis(100), Duration::from_secs(10)),
        (Duration::from_secs(1), Duration::from_secs(10)),
        (Duration::from_secs(60), Duration::from_secs(120)),
        (Duration::from_secs(3600), Duration::from_secs(7200)),
        (Duration::from_secs(100 * day), MAX_TTL),
    ];
    for (i, (period, expected)) in cases.into_iter().enumerate() {
        let job = format!("job{i}");
        let s = Slot::new(&*job, 1, period, Duration::ZERO);
        assert_eq!(coordinator.ttl_for(&s), expected);
        let before = Instant::now();
        assert!(coordinator.claim(&s).await.unwrap());
        let left = pttl(&mut conn, &coordinator.key(&s)).await;
        let expected_ms = i64::try_from(expected.as_millis()).unwrap();
        let elapsed_ms = i64::try_from(before.elapsed().as_millis()).unwrap() + 1;
        assert!(
            left <= expected_ms && left >= expected_ms - elapsed_ms,
            "period {period:?}: PTTL {left} ms, expected about {expected_ms} ms"
        );
    }

    // An explicit ttl overrides the default, whatever the period.
    let fixed = replica(&url, &prefix)
        .await
        .ttl(Duration::from_millis(3_500));
    let s = Slot::new("fixed", 1, Duration::from_secs(3600), Duration::ZERO);
    assert!(fixed.claim(&s).await.unwrap());
    let left = pttl(&mut conn, &fixed.key(&s)).await;
    assert!((1..=3_500).contains(&left), "PTTL {left}");

    // The long-lived keys would stay for days: remove this test's keys.
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}:*"))
        .query_async(&mut conn)
        .await
        .unwrap();
    let _: i64 = redis::cmd("DEL")
        .arg(&keys)
        .query_async(&mut conn)
        .await
        .unwrap();
}

#[tokio::test]
async fn record_writes_the_outcome_under_the_key_and_keeps_its_expiry() {
    let Some(url) = env_url(REDIS_URL_VAR) else {
        return;
    };
    let prefix = unique("periodic-test");
    let coordinator = replica(&url, &prefix).await.owner("replica \"a\"|1");
    let mut conn = inspector(&url).await;

    let s = slot("job", 1);
    let key = coordinator.key(&s);
    assert!(coordinator.claim(&s).await.unwrap());
    assert_eq!(
        get(&mut conn, &key).await.as_deref(),
        Some("replica \"a\"|1")
    );
    let ttl_before = pttl(&mut conn, &key).await;

    let started = s.due + Duration::from_millis(2);
    let finished = started + Duration::from_millis(950);
    coordinator
        .record(&s, &RunRecord::new(started, finished, RunOutcome::Ok))
        .await
        .unwrap();
    let value: serde_json::Value =
        serde_json::from_str(&get(&mut conn, &key).await.unwrap()).unwrap();
    assert_eq!(
        value,
        serde_json::json!({
            "owner": "replica \"a\"|1",
            "due_ms": millis(s.due),
            "started_ms": millis(started),
            "finished_ms": millis(finished),
            "outcome": "ok",
            "error": null,
        })
    );
    let ttl_after = pttl(&mut conn, &key).await;
    assert!(
        ttl_after > 0 && ttl_after <= ttl_before,
        "KEEPTTL: {ttl_before} then {ttl_after}"
    );

    // A failed run, and a second record of the same run by the same owner.
    let failed = RunRecord::new(started, finished, RunOutcome::Failed("boom".into()));
    coordinator.record(&s, &failed).await.unwrap();
    let value: serde_json::Value =
        serde_json::from_str(&get(&mut conn, &key).await.unwrap()).unwrap();
    assert_eq!(value["outcome"], "failed");
    assert_eq!(value["error"], "boom");
}

#[tokio::test]
async fn record_does_not_overwrite_another_owners_key() {
    let Some(url) = env_url(REDIS_URL_VAR) else {
        return;
    };
    let prefix = unique("periodic-test");
    let a = replica(&url, &prefix).await.owner("replica-a");
    // An owner whose name begins like a's: a prefix match must not be taken for a's.
    let b = replica(&url, &prefix).await.owner("replica-");
    let mut conn = inspector(&url).await;
    let s = slot("job", 1);
    let key = a.key(&s);
    assert!(a.claim(&s).await.unwrap());
    assert!(!b.claim(&s).await.unwrap());

    let run = RunRecord::new(s.due, s.due, RunOutcome::Failed("not mine".into()));
    let error = b.record(&s, &run).await.unwrap_err();
    let error = error.downcast::<periodic_redis::Error>().unwrap();
    assert_eq!(error.operation(), Operation::Record);
    assert!(error.to_string().contains(&key), "{error}");
    assert_eq!(get(&mut conn, &key).await.as_deref(), Some("replica-a"));

    // Once a has recorded, b still cannot overwrite the record.
    a.record(&s, &RunRecord::new(s.due, s.due, RunOutcome::Ok))
        .await
        .unwrap();
    let recorded = get(&mut conn, &key).await;
    assert!(b.record(&s, &run).await.is_err());
    assert_eq!(get(&mut conn, &key).await, recorded);

    // Nor a slot nobody claimed: no key appears.
    let unclaimed = slot("job", 2);
    assert!(b.record(&unclaimed, &run).await.is_err());
    assert_eq!(get(&mut conn, &b.key(&unclaimed)).await, None);
}

#[tokio::test]
async fn an_unreachable_redis_fails_connect_within_a_bound() {
    // Nothing listens on port 1.
    let error = within(
        BOUND,
        "connect",
        RedisCoordinator::connect("redis://127.0.0.1:1"),
    )
    .await
    .unwrap_err();
    assert_eq!(error.operation(), Operation::Connect);
    assert_eq!(error.store(), "127.0.0.1:1");
    assert!(
        error.to_string().starts_with("periodic-redis: connect"),
        "{error}"
    );
}

/// A replica whose connection goes through a proxy the test controls, and a second replica
/// connected directly, on the same prefix.
async fn cut_setup(url: &str) -> (Proxy, RedisCoordinator, RedisCoordinator) {
    let (proxy, proxied_url) = Proxy::in_front_of(url).await.unwrap();
    let prefix = unique("periodic-test");
    let through_proxy = replica(&proxied_url, &prefix)
        .await
        .timeout(Duration::from_secs(2));
    let direct = replica(url, &prefix).await;
    (proxy, through_proxy, direct)
}

#[tokio::test]
async fn claims_fail_during_a_cut_and_succeed_after_it_on_their_own() {
    let Some(url) = env_url(REDIS_URL_VAR) else {
        return;
    };
    let (proxy, through_proxy, direct) = cut_setup(&url).await;
    contract::claims_fail_during_a_cut_and_recover(
        &proxy,
        &through_proxy,
        &direct,
        |index| slot("job", index),
        |slot, error| {
            let error = error.downcast::<periodic_redis::Error>().unwrap();
            assert_eq!(error.operation(), Operation::Claim);
            assert!(
                error.to_string().contains(&through_proxy.key(slot)),
                "{error}"
            );
        },
    )
    .await;
}

#[tokio::test]
async fn claims_time_out_on_a_stalled_connection_and_recover() {
    let Some(url) = env_url(REDIS_URL_VAR) else {
        return;
    };
    let (proxy, through_proxy, _direct) = cut_setup(&url).await;
    contract::claims_time_out_during_a_stall_and_recover(
        &proxy,
        &through_proxy,
        |index| slot("job", index),
        |error| {
            let error = error.downcast::<periodic_redis::Error>().unwrap();
            assert!(error.is_timeout(), "{error}");
        },
    )
    .await;
}
