use periodic::every;

#[every(0s)]
fn tick() {}

fn main() {
    let _ = tick.func();
    let _ = tick.last_result();
}
