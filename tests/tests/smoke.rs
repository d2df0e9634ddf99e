use std::time::Duration;

use periodic::{Mode, State, every};

#[every(5s, mode = "fixed_rate", name = "smoke_refresh")]
async fn refresh() -> u64 {
    42
}

struct Greeting(&'static str);

/// Says hello.
#[every(250ms)]
fn hello(g: State<Greeting>) -> Result<String, std::io::Error> {
    Ok(format!("hello {}", g.0))
}

#[tokio::test(start_paused = true)]
async fn smoke() {
    assert_eq!(refresh.func().await, 42);
    assert_eq!(refresh.name(), "smoke_refresh");
    assert_eq!(refresh.period(), Duration::from_secs(5));
    assert_eq!(refresh.mode(), Mode::FixedRate);
    assert_eq!(hello.func(State::new(Greeting("x"))).unwrap(), "hello x");
    let jobs = periodic::configure()
        .state(Greeting("world"))
        .run_all()
        .await
        .unwrap();
    jobs.wait().hit_count(1).await.unwrap();
    assert_eq!(refresh.last_result(), Some(42));
    assert_eq!(hello.last_result().as_deref(), Some("hello world"));
    let names: Vec<_> = periodic::registry().iter().map(|j| j.name).collect();
    assert_eq!(names, ["hello", "smoke_refresh"]);
    jobs.cancel_all().await;
}
