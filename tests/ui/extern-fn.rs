use periodic::every;

#[every(5s)]
extern "C" fn tick() {}

fn main() {
    let _ = tick.last_result();
    let _ = tick.name();
}
