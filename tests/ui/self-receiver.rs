use periodic::every;

struct Cache;

impl Cache {
    #[every(5s)]
    fn refresh(&self) {}
}

fn main() {
    Cache.refresh();
}
