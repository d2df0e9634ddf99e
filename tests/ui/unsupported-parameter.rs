use periodic::every;

#[every(5s)]
fn tick(x: u32) -> u32 {
    x
}

fn main() {
    let _ = tick.last_result();
    let _ = tick.name();
}
