use periodic::every;

#[every(1h, mode = "fixed_rate", offset = 5m)]
fn report() {}

fn main() {}
