use periodic::every;

#[every(1h, coordinated = true)]
fn prune() {}

fn main() {
    let _ = prune.func();
    let _ = prune.last_result();
}
