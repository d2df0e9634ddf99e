use std::rc::Rc;

use periodic::every;

#[every(5s)]
fn tick() -> Rc<u8> {
    Rc::new(1)
}

fn main() {
    let _ = tick.func();
}
