use periodic::every;

#[every()]
fn tick() {}

fn main() {
    let _ = tick.func();
    let _ = tick.last_result();
}
