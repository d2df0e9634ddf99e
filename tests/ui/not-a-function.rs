use periodic::every;

#[every(5s)]
struct Tick;

fn main() {}
