use periodic::every;

#[every(5s, on_error = "retry")]
fn tick() {}

fn main() {
    let _ = tick.func();
    let _ = tick.last_result();
}
