use periodic::every;

#[every(1h, mode = "fixed_delay", coordinated = true)]
fn prune() {}

fn main() {
    let _ = prune.func();
    let _ = prune.last_result();
}
