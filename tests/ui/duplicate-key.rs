use periodic::every;

#[every(5s, name = "a", name = "b")]
fn tick() {}

fn main() {
    let _ = tick.func();
    let _ = tick.last_result();
}
