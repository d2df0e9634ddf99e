use periodic::every;

struct Snapshot {
    rows: u64,
}

#[every(5s)]
fn tick() -> Result<Snapshot, std::io::Error> {
    Ok(Snapshot { rows: 1 })
}

fn main() {
    let _ = tick.func().map(|s| s.rows);
}
