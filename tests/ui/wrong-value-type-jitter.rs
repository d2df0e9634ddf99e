use periodic::every;

#[every(5s, jitter = "a lot")]
fn tick() {}

fn main() {
    let _ = tick.func();
    let _ = tick.last_result();
}
