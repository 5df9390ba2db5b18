//! `towncockpit serve` over real HTTP on 127.0.0.1: every command in the table is reachable and
//! answers exactly what `dispatch` answers; bad arguments and bad tokens get clear Chinese errors;
//! the UI is served with correct types, a strict CSP and the client-side-routing fallback.

use std::net::SocketAddr;
use std::path::Path;

use std::io::{BufRead, Read, Write};
use std::net::TcpStream;

use serde_json::{json, Value};
use towncockpit::api::{dispatch, Cockpit, ErrorKind, COMMANDS};
use towncockpit::server;
use towncockpit::store::Store;

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("response body is JSON")
    }
}

/// A minimal blocking HTTP/1.1 client (one request per connection), enough to see status, headers
/// and body. Tests run on the multi-thread runtime, so the server keeps serving meanwhile.
fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Reply {
    let length = body.len().to_string();
    let mut all = vec![("Content-Length", length.as_str())];
    all.extend_from_slice(headers);
    exchange(addr, method, path, &all, body)
}

/// Sends exactly the given headers (no Content-Length of its own) and bytes, reads the reply.
fn exchange(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Reply {
    let mut s = TcpStream::connect(addr).unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("header end");
    let head = String::from_utf8(raw[..split].to_vec()).unwrap();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if chunked {
        body = dechunk(&body);
    }
    Reply {
        status,
        headers,
        body,
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let eol = data.windows(2).position(|w| w == b"\r\n").unwrap();
        let size =
            usize::from_str_radix(std::str::from_utf8(&data[..eol]).unwrap().trim(), 16).unwrap();
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&data[eol + 2..eol + 2 + size]);
        data = &data[eol + 2 + size + 2..];
    }
}

fn post(addr: SocketAddr, token: &str, name: &str, body: &str) -> Reply {
    let auth = format!("Bearer {token}");
    request(
        addr,
        "POST",
        &format!("/api/{name}"),
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
        ],
        body.as_bytes(),
    )
}

async fn cockpit(dir: &Path) -> Cockpit {
    let (store, _) = Store::open(&dir.join("cockpit.sqlite")).await.unwrap();
    Cockpit::new(store)
}

/// Starts the real server on a random loopback port; returns its address and token.
async fn start(dir: &Path, ui: &Path) -> (SocketAddr, String) {
    serve(cockpit(dir).await, ui).await
}

/// Serves `cockpit` on a random loopback port.
async fn serve(cockpit: Cockpit, ui: &Path) -> (SocketAddr, String) {
    let token = server::new_token();
    let app = server::router(cockpit, token.clone(), ui);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr, token)
}

fn fake_ui(dir: &Path) -> std::path::PathBuf {
    let ui = dir.join("dist");
    std::fs::create_dir_all(ui.join("assets")).unwrap();
    std::fs::write(
        ui.join("index.html"),
        "<!doctype html><meta charset=\"utf-8\"><title>特色小镇驾驶舱</title>",
    )
    .unwrap();
    std::fs::write(ui.join("assets/app.js"), "console.log(1)").unwrap();
    std::fs::write(ui.join("assets/app.css"), "body{}").unwrap();
    std::fs::write(ui.join("assets/font.woff2"), b"wOF2").unwrap();
    ui
}

fn status_of(kind: ErrorKind) -> u16 {
    match kind {
        ErrorKind::UnknownCommand | ErrorKind::NotFound => 404,
        ErrorKind::BadArguments => 400,
        ErrorKind::Invalid => 422,
        _ => 500,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_command_answers_over_http_exactly_as_dispatch_does() {
    let dir = tempfile::tempdir().unwrap();
    let ui = fake_ui(dir.path());
    let (addr, token) = start(dir.path(), &ui).await;
    // The same installation (database and data directory, so the same signing key) behind both.
    let direct = cockpit(dir.path()).await;
    assert!(!COMMANDS.is_empty());
    for spec in COMMANDS {
        let reply = post(addr, &token, spec.name, "{}");
        if spec.name == "data_version" {
            // SQLite's data version is a counter of each connection: two installations' differ.
            assert!(reply.json()["version"].is_i64(), "{:?}", reply.json());
            continue;
        }
        match dispatch(&direct, spec.name, json!({})).await {
            Ok(expected) => {
                assert_eq!(reply.status, 200, "command {}", spec.name);
                assert_eq!(reply.json(), expected, "command {}", spec.name);
            }
            Err(e) => {
                assert_ne!(
                    e.kind,
                    ErrorKind::UnknownCommand,
                    "command {} not in the table",
                    spec.name
                );
                assert_eq!(reply.status, status_of(e.kind), "command {}", spec.name);
                assert_eq!(
                    reply.json()["message"],
                    json!(e.message),
                    "command {}",
                    spec.name
                );
            }
        }
    }
    // `commands` lists the whole table through HTTP too.
    let listed = post(addr, &token, "commands", "").json();
    let names: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, COMMANDS.iter().map(|c| c.name).collect::<Vec<_>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_chinese_errors_with_proper_status() {
    let dir = tempfile::tempdir().unwrap();
    let ui = fake_ui(dir.path());
    let (addr, token) = start(dir.path(), &ui).await;

    let r = post(addr, &token, "no_such_command", "{}");
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["kind"], "unknown_command");
    assert_eq!(r.json()["message"], "未知命令「no_such_command」");

    let r = post(addr, &token, "commands", r#"{"bogus": 1}"#);
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["kind"], "bad_arguments");
    assert!(r.json()["message"]
        .as_str()
        .unwrap()
        .contains("命令「commands」的参数"));

    let r = post(addr, &token, "commands", "{not json");
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["kind"], "bad_arguments");
    assert_eq!(
        r.json()["message"],
        "命令「commands」的请求体不是有效的 JSON"
    );

    let r = post(addr, "wrong-token", "commands", "{}");
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["kind"], "unauthorized");
    assert!(r.json()["message"]
        .as_str()
        .unwrap()
        .starts_with("访问令牌缺失或无效"));

    let r = request(addr, "POST", "/api/commands", &[], b"{}");
    assert_eq!(r.status, 401, "no token at all");
    let r = request(
        addr,
        "POST",
        "/api/commands",
        &[("Authorization", &token)],
        b"{}",
    );
    assert_eq!(r.status, 401, "token without the Bearer scheme");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_up_to_the_command_limit_pass_and_larger_get_chinese_413() {
    let dir = tempfile::tempdir().unwrap();
    let ui = fake_ui(dir.path());
    let (addr, token) = start(dir.path(), &ui).await;
    let direct = cockpit(dir.path()).await;
    let mib = 1024 * 1024;

    // A 7 MB "JPEG" (a phone photo's size) is 9.3 MB of base64: it reaches the command, which
    // answers for itself (not a decodable image), as it does when called directly.
    let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0];
    jpeg.resize(7_000_000, 0x42);
    let b64 = data_encoding::BASE64.encode(&jpeg);
    let args = json!({ "image_base64": b64 });
    let body = args.to_string();
    assert!(body.len() > 9_000_000, "{}", body.len());
    let expected = dispatch(&direct, "code_verify_image", args)
        .await
        .unwrap_err();
    let r = post(addr, &token, "code_verify_image", &body);
    assert_eq!(
        (r.status, r.json()["message"].clone()),
        (422, json!(expected.message))
    );
    assert_eq!(
        r.json()["message"],
        "无法读取上传的图片：文件已损坏或不是支持的图片格式（PNG、JPEG）"
    );

    // Other commands take 1 MiB: arguments padded with whitespace just under it still work.
    let mut small = String::from(r#"{"scope": "330100"}"#);
    small.push_str(&" ".repeat(mib - small.len()));
    let r = post(addr, &token, "towns", &small);
    assert_eq!(r.status, 200);
    let expected = dispatch(&direct, "towns", json!({"scope": "330100"}))
        .await
        .unwrap();
    assert_eq!(r.json(), expected);

    let auth = format!("Bearer {token}");
    // Over the limit by its declared length: refused before the body is read (none is sent).
    for (name, declared, limit) in [
        ("code_verify_image", 32 * mib + 1, 32),
        ("code_verify", 40 * mib, 32),
        ("overview", mib + 1, 1),
    ] {
        let length = declared.to_string();
        let r = exchange(
            addr,
            "POST",
            &format!("/api/{name}"),
            &[("Authorization", &auth), ("Content-Length", &length)],
            b"",
        );
        assert_eq!(r.status, 413, "{name}");
        assert_eq!(r.json()["kind"], "too_large");
        assert_eq!(
            r.json()["message"],
            format!("命令「{name}」的请求体超过 {limit} MB 的上限，未处理。请上传更小的文件")
        );
    }
    // Over the limit with no declared length (chunked): refused once the read passes it.
    let mut chunk = format!("{:x}\r\n", mib + 1).into_bytes();
    chunk.resize(chunk.len() + mib + 1, b' ');
    let r = exchange(
        addr,
        "POST",
        "/api/overview",
        &[("Authorization", &auth), ("Transfer-Encoding", "chunked")],
        &chunk,
    );
    assert_eq!(r.status, 413);
    assert_eq!(
        r.json()["message"],
        "命令「overview」的请求体超过 1 MB 的上限，未处理。请上传更小的文件"
    );

    // The browser's own sentence for a 413 that is not the server's JSON names the same limits.
    let transport =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/src/transport.ts"))
            .unwrap();
    for (name, limit) in [("code_verify_image", 32), ("overview", 1)] {
        assert_eq!(server::body_limit_mib(name), limit);
    }
    assert!(
        transport.contains("图片最大 32 MB，其他请求最大 1 MB"),
        "transport.ts names other limits"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_the_ui_with_types_csp_and_fallback() {
    let dir = tempfile::tempdir().unwrap();
    let ui = fake_ui(dir.path());
    let (addr, _) = start(dir.path(), &ui).await;

    let r = request(addr, "GET", "/", &[], b"");
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    assert!(String::from_utf8(r.body.clone())
        .unwrap()
        .contains("特色小镇驾驶舱"));
    let csp = r.header("content-security-policy").unwrap();
    assert!(csp.starts_with("default-src 'self'"));
    assert!(!csp.contains("http"), "no remote source allowed: {csp}");

    for (path, mime) in [
        ("/assets/app.js", "javascript"),
        ("/assets/app.css", "text/css"),
        ("/assets/font.woff2", "font/woff2"),
    ] {
        let r = request(addr, "GET", path, &[], b"");
        assert_eq!(r.status, 200, "{path}");
        assert!(
            r.header("content-type").unwrap().contains(mime),
            "{path}: {:?}",
            r.header("content-type")
        );
    }

    let r = request(addr, "GET", "/overview/deep/link", &[], b"");
    assert_eq!(r.status, 200);
    assert!(String::from_utf8(r.body)
        .unwrap()
        .contains("<title>特色小镇驾驶舱</title>"));

    // The API is POST only.
    let r = request(addr, "GET", "/api/commands", &[], b"");
    assert_eq!(r.status, 405);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_ui_build_is_explained_in_chinese() {
    let dir = tempfile::tempdir().unwrap();
    let (addr, token) = start(dir.path(), &dir.path().join("nowhere")).await;
    let r = request(addr, "GET", "/", &[], b"");
    assert_eq!(r.status, 503);
    assert!(String::from_utf8(r.body)
        .unwrap()
        .contains("界面文件尚未构建"));
    // The API still works without a UI.
    assert_eq!(post(addr, &token, "commands", "{}").status, 200);
}

#[test]
fn the_serve_command_prints_a_working_url_with_its_token() {
    let dir = tempfile::tempdir().unwrap();
    let ui = fake_ui(dir.path());
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_towncockpit"))
        .arg("--db")
        .arg(dir.path().join("serve.sqlite"))
        .args(["serve", "--port", "0", "--ui"])
        .arg(&ui)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let url = loop {
        let line = lines.next().expect("serve printed its URL").unwrap();
        if line.starts_with("http://") {
            break line;
        }
    };
    let rest = url
        .strip_prefix("http://127.0.0.1:")
        .expect("bound to loopback by default");
    let (port, token) = rest.split_once("/#token=").unwrap();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let r = post(addr, token, "commands", "{}");
    let bad = post(addr, "x", "commands", "{}").status;
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(r.status, 200);
    assert!(r
        .json()
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["name"] == "commands"));
    assert_eq!(bad, 401);
}

/// Heavy work runs off the async runtime: with a single runtime worker (whatever holds it holds
/// the whole server), a long Monte Carlo call must not keep the overview from answering.
#[test]
fn a_long_computation_does_not_hold_up_other_requests() {
    use std::time::{Duration, Instant};
    let dir = tempfile::tempdir().unwrap();
    let ui = fake_ui(dir.path());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let (addr, token) = rt.block_on(async {
        let demo = Cockpit::open(&dir.path().join("demo.sqlite"))
            .await
            .unwrap();
        serve(demo, &ui).await
    });
    // The overview's first reads are done before the race starts.
    assert_eq!(post(addr, &token, "overview", "{}").status, 200);

    let long_token = token.clone();
    let long = std::thread::spawn(move || {
        let t0 = Instant::now();
        let r = post(addr, &long_token, "index_uncertainty", r#"{"runs": 5000}"#);
        (r.status, t0.elapsed())
    });
    std::thread::sleep(Duration::from_millis(200));
    let t0 = Instant::now();
    let overview = post(addr, &token, "overview", "{}");
    let quick = t0.elapsed();
    let (status, slow) = long.join().unwrap();
    assert_eq!(status, 200);
    assert_eq!(overview.status, 200);
    assert!(
        quick * 4 < slow,
        "the overview took {quick:?} while the uncertainty call took {slow:?}"
    );
}
