use periodic::every;

#[every(5s, mdoe = "fixed_rate")]
fn tick() {}

fn main() {
    let _ = tick.func();
    let _ = tick.last_result();
}
