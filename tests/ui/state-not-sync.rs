use std::cell::RefCell;

use periodic::{State, every};

struct Cache {
    hits: RefCell<u64>,
}

#[every(5s)]
fn tick(cache: State<Cache>) -> u64 {
    *cache.hits.borrow()
}

fn main() {
    let cache = State::new(Cache {
        hits: RefCell::new(0),
    });
    let _ = tick.func(cache);
    let _ = tick.last_result();
}
