//! The proxy itself, against an echo server on loopback: forwarding, cut, stall and resume,
//! several times over.

use std::time::Duration;

use periodic_store_testkit::{Proxy, within};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const BOUND: Duration = Duration::from_secs(5);

async fn echo_server() -> std::net::SocketAddr {
    let server = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = server.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = server.accept().await {
            tokio::spawn(async move {
                let mut buf = [0; 1024];
                while let Ok(n @ 1..) = socket.read(&mut buf).await {
                    if socket.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    addr
}

/// A proxy in front of an echo server, and a client connected through it that has had an
/// answer.
async fn connected_proxy() -> (Proxy, TcpStream) {
    let proxy = Proxy::start(echo_server().await).await.unwrap();
    let mut client = TcpStream::connect(proxy.addr()).await.unwrap();
    round_trip(&mut client, b"x").await;
    (proxy, client)
}

async fn round_trip(client: &mut TcpStream, message: &[u8]) {
    client.write_all(message).await.unwrap();
    let mut reply = vec![0; message.len()];
    within(BOUND, "the echo", client.read_exact(&mut reply))
        .await
        .unwrap();
    assert_eq!(reply, message);
}

/// The client's connection is closed: a read ends (or fails) within the bound.
async fn assert_closed(client: &mut TcpStream) {
    let mut buf = [0; 1];
    let read = within(BOUND, "the closed read", client.read(&mut buf)).await;
    assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
}

#[tokio::test]
async fn cut_closes_and_refuses_then_resume_accepts_again_on_the_same_address() {
    let proxy = Proxy::start(echo_server().await).await.unwrap();
    let addr = proxy.addr();
    for round in 0..3 {
        let mut a = TcpStream::connect(addr).await.unwrap();
        let mut b = TcpStream::connect(addr).await.unwrap();
        round_trip(&mut a, b"a").await;
        round_trip(&mut b, b"b").await;
        assert_eq!(proxy.open_connections(), 2, "round {round}");

        within(BOUND, "the cut", proxy.cut()).await;
        assert_eq!(proxy.open_connections(), 0);
        assert_closed(&mut a).await;
        assert_closed(&mut b).await;
        let refused = TcpStream::connect(addr).await;
        assert!(refused.is_err(), "a new connection is refused during a cut");

        within(BOUND, "the resume", proxy.resume()).await;
        assert_eq!(proxy.addr(), addr);
    }
    assert_eq!(proxy.accepted(), 6);
}

#[tokio::test]
async fn stall_holds_bytes_until_resume() {
    let (proxy, mut client) = connected_proxy().await;
    proxy.stall().await;
    client.write_all(b"held").await.unwrap();
    let mut reply = [0; 4];
    // Absence can only be shown over a window: nothing comes back in a short one.
    let early = tokio::time::timeout(Duration::from_millis(200), client.read(&mut reply)).await;
    assert!(early.is_err(), "nothing is forwarded during a stall");
    assert_eq!(proxy.open_connections(), 1, "the connection stays open");

    proxy.resume().await;
    within(BOUND, "the held bytes", client.read_exact(&mut reply))
        .await
        .unwrap();
    assert_eq!(&reply, b"held");
}

#[tokio::test]
async fn a_cut_during_a_stall_closes_the_stalled_connections() {
    let (proxy, mut client) = connected_proxy().await;
    proxy.stall().await;
    client.write_all(b"y").await.unwrap();
    within(BOUND, "the cut", proxy.cut()).await;
    assert_closed(&mut client).await;
    proxy.resume().await;
    let mut again = TcpStream::connect(proxy.addr()).await.unwrap();
    round_trip(&mut again, b"z").await;
}

#[tokio::test]
async fn dropping_the_proxy_closes_its_connections() {
    let (proxy, mut client) = connected_proxy().await;
    drop(proxy);
    assert_closed(&mut client).await;
}
