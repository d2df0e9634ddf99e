use periodic::every;

#[every(std::time::Instant::now())]
fn tick() {}

fn main() {
    let _ = tick.func();
    let _ = tick.last_result();
    let _ = tick.last_result();
}
