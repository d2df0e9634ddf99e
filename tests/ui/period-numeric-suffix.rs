use periodic::every;

#[every(5u64)]
fn tick() {}

fn main() {
    let _ = tick.func();
    let _ = tick.last_result();
    let _ = tick.last_result();
}
