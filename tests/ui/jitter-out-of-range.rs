use periodic::every;

#[every(5s, jitter = 1.5)]
fn tick() {}

fn main() {
    let _ = tick.func();
    let _ = tick.last_result();
}
