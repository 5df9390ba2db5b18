//! `towncockpit serve`: the browser front door. Serves the built UI (`ui/dist`) and
//! `POST /api/{name}` → [`crate::api::dispatch`], guarded by a per-run access token so other users
//! of the same machine (or network, with `--listen`) cannot read the data.
//!
//! No command logic lives here: every request goes through the one command table.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path as UrlPath, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use futures::StreamExt;
use rand::RngCore;
use serde_json::{json, Value};
use tower_http::services::{ServeDir, ServeFile};

use crate::api::{dispatch, ApiError, Cockpit, ErrorKind, COMMANDS};

/// The content security policy of every page served: nothing but this origin.
pub const CSP: &str =
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; \
                       font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; \
                       frame-ancestors 'none'";

/// A fresh random access token for one run of the server (256 bits, URL-safe).
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    data_encoding::BASE64URL_NOPAD.encode(&bytes)
}

/// Where the built UI lives when none is given: `ui/dist` beside the crate.
pub fn default_ui_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("ui")
        .join("dist")
}

/// The largest request body a command accepts, in MiB: the command table's limit for its
/// arguments.
pub fn body_limit_mib(command: &str) -> usize {
    COMMANDS
        .iter()
        .find(|c| c.name == command)
        .map(|c| c.max_args_mib)
        // An unknown name gets the smallest limit, and then its 404.
        .unwrap_or_else(|| COMMANDS.iter().map(|c| c.max_args_mib).min().unwrap_or(1))
}

struct AppState {
    cockpit: Cockpit,
    token: String,
}

/// The whole HTTP application: the API under `/api/` and the static UI everywhere else.
pub fn router(cockpit: Cockpit, token: String, ui_dir: &Path) -> Router {
    let state = Arc::new(AppState { cockpit, token });
    let api = Router::new()
        .route("/api/{name}", post(call))
        .with_state(state);
    let index = ui_dir.join("index.html");
    let app = if index.is_file() {
        // Unknown paths get the app itself, which routes on the client.
        api.fallback_service(ServeDir::new(ui_dir).fallback(ServeFile::new(index)))
    } else {
        let shown = ui_dir.display().to_string();
        api.fallback(move || async move { ui_missing(&shown) })
    };
    app.layer(axum::middleware::map_response(security_headers))
}

/// The address the UI can be opened at, with the token in the fragment (never sent to the
/// server or written to its logs; the UI takes it from there).
pub fn ui_url(addr: SocketAddr, token: &str) -> String {
    let host = if addr.ip().is_unspecified() {
        "127.0.0.1".to_string()
    } else if addr.is_ipv6() {
        format!("[{}]", addr.ip())
    } else {
        addr.ip().to_string()
    };
    format!("http://{host}:{}/#token={token}", addr.port())
}

async fn security_headers(mut res: Response) -> Response {
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

fn ui_missing(dir: &str) -> Response {
    let body = format!(
        "<!doctype html><meta charset=\"utf-8\"><title>特色小镇驾驶舱</title>\
         <p>界面文件尚未构建：未找到「{dir}/index.html」。请在 ui/ 目录运行 <code>npm ci</code> 和 \
         <code>npm run build</code>，或用 --ui 指定已构建的界面目录。</p>"
    );
    (StatusCode::SERVICE_UNAVAILABLE, Html(body)).into_response()
}

async fn call(
    State(state): State<Arc<AppState>>,
    UrlPath(name): UrlPath<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if !authorised(&headers, &state.token) {
        let err = json!({
            "kind": "unauthorized",
            "message": "访问令牌缺失或无效：请用 towncockpit serve 启动时显示的完整地址（含 #token=…）打开驾驶舱",
        });
        return (StatusCode::UNAUTHORIZED, Json(err)).into_response();
    }
    let limit = body_limit_mib(&name);
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    // Refused before reading when the length is declared, else once the read passes the limit.
    let body = match declared {
        Some(n) if n > (limit as u64) << 20 => None,
        _ => match read_body(body, limit << 20).await {
            Ok(body) => body,
            Err(e) => {
                return error_response(ApiError {
                    kind: ErrorKind::BadArguments,
                    message: format!("命令「{name}」的请求体未能完整接收，请重试"),
                    detail: Some(e.to_string()),
                })
            }
        },
    };
    let Some(body) = body else {
        let err = ApiError::new(
            ErrorKind::TooLarge,
            format!("命令「{name}」的请求体超过 {limit} MB 的上限，未处理。请上传更小的文件"),
        );
        return error_response(err);
    };
    let args = if body.iter().all(u8::is_ascii_whitespace) {
        Value::Null
    } else {
        match serde_json::from_slice::<Value>(&body) {
            Ok(v) => v,
            Err(e) => {
                let err = ApiError {
                    kind: ErrorKind::BadArguments,
                    message: format!("命令「{name}」的请求体不是有效的 JSON"),
                    detail: Some(e.to_string()),
                };
                return error_response(err);
            }
        }
    };
    match dispatch(&state.cockpit, &name, args).await {
        Ok(v) => Json(v).into_response(),
        Err(e) => error_response(e),
    }
}

/// The body's bytes, or `None` as soon as they pass `limit`.
async fn read_body(body: Body, limit: usize) -> Result<Option<Vec<u8>>, axum::Error> {
    let mut stream = body.into_data_stream();
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        if bytes.len() + chunk.len() > limit {
            return Ok(None);
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(Some(bytes))
}

fn error_response(e: ApiError) -> Response {
    let status = match e.kind {
        ErrorKind::UnknownCommand | ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::BadArguments => StatusCode::BAD_REQUEST,
        ErrorKind::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorKind::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    (status, Json(e)).into_response()
}

/// `Authorization: Bearer <token>`, compared in constant time.
fn authorised(headers: &HeaderMap, token: &str) -> bool {
    let Some(given) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return false;
    };
    let (a, b) = (given.as_bytes(), token.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_url_safe() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert!(a
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
    }

    #[test]
    fn token_check_needs_the_exact_bearer_token() {
        let mut h = HeaderMap::new();
        assert!(!authorised(&h, "abc"));
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer abd"),
        );
        assert!(!authorised(&h, "abc"));
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer abcd"),
        );
        assert!(!authorised(&h, "abc"));
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("abc"));
        assert!(!authorised(&h, "abc"));
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer abc"),
        );
        assert!(authorised(&h, "abc"));
    }

    #[test]
    fn url_carries_the_token_in_the_fragment() {
        let addr: SocketAddr = "0.0.0.0:8720".parse().unwrap();
        assert_eq!(ui_url(addr, "t0k"), "http://127.0.0.1:8720/#token=t0k");
        let addr: SocketAddr = "[::1]:9".parse().unwrap();
        assert_eq!(ui_url(addr, "x"), "http://[::1]:9/#token=x");
    }
}
