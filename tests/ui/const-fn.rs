use periodic::every;

#[every(5s)]
const fn tick() -> u32 {
    1
}

fn main() {
    let _ = tick.last_result();
    let _ = tick.name();
}
