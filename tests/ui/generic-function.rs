use periodic::every;

#[every(5s)]
fn tick<T: Default>() -> T {
    T::default()
}

fn main() {
    let _ = tick.last_result();
    let _ = tick.name();
}
