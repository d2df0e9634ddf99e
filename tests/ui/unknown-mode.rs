use periodic::every;

#[every(5s, mode = "fixed_interval")]
fn tick() {}

fn main() {
    let _ = tick.func();
    let _ = tick.last_result();
}
