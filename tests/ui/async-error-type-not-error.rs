use periodic::every;

struct Failure;

#[every(5s)]
async fn tick() -> Result<u8, Failure> {
    Err(Failure)
}

fn main() {
    let _ = tick.func();
    let _ = tick.last_result();
}
