use periodic::every;

#[every(5s, name = 5)]
fn tick() {}

fn main() {
    let _ = tick.func();
    let _ = tick.last_result();
}
