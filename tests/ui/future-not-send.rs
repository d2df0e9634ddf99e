use std::rc::Rc;

use periodic::every;

#[every(5s)]
async fn tick() -> u8 {
    let held = Rc::new(1);
    std::future::ready(()).await;
    *held
}

fn main() {
    let _ = tick.func();
    let _ = tick.last_result();
}
