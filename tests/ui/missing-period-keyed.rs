use periodic::every;

#[every(mode = "fixed_rate")]
fn tick() {}

fn main() {
    let _ = tick.func();
    let _ = tick.last_result();
}
