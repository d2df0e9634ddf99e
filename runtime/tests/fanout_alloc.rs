//! Fan-out cost (issue 4): one tick delivered to 10,000 subscribers allocates nothing per
//! subscriber beyond cloning `T` (here a `u64`, whose clone allocates nothing). Counted with a
//! global allocator, so this binary holds this one test only.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};

use periodic::Timer;

mod common;
use common::{secs, within};

struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

// SAFETY: forwards to the system allocator; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller upholds `GlobalAlloc::realloc`'s contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[tokio::test(start_paused = true)]
async fn one_tick_to_ten_thousand_subscribers_allocates_nothing_per_subscriber() {
    const SUBSCRIBERS: usize = 10_000;
    let mut n = 0u64;
    let timer = Timer::new(secs(1), move || {
        n += 1;
        n
    });
    let mut feeds: Vec<_> = (0..SUBSCRIBERS).map(|_| timer.subscribe()).collect();
    timer.start().unwrap();
    // The first tick gives every queue its buffer; drain them.
    within(timer.wait().hit_count(1)).await.unwrap();
    for feed in &mut feeds {
        assert_eq!(within(feed.recv()).await.unwrap().unwrap(), 1);
    }

    let before = ALLOCATIONS.load(Ordering::SeqCst);
    within(timer.wait().hit_count(2)).await.unwrap();
    let during = ALLOCATIONS.load(Ordering::SeqCst) - before;

    for feed in &mut feeds {
        assert_eq!(within(feed.recv()).await.unwrap().unwrap(), 2);
    }
    // The tick, the wait and the scheduler allocate a little; nothing scales with the
    // subscribers (10,000 would show as at least 10,000).
    assert!(
        during < 20,
        "{during} allocations for one tick to {SUBSCRIBERS} subscribers"
    );
    timer.cancel().await;
}
