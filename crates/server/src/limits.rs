//! What keeps the server up under attack and load, around the routes: the client's
//! address (behind a trusted reverse proxy, the one it forwarded), a request rate limit per
//! address, a tighter one for logins, a time limit per request, and the security headers
//! on every answer. The connection-level limits (header timeout, connection cap) are in
//! [`crate::listen`].

use crate::api::ApiError;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The server's limits; `Default` is what `evac serve` uses.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Open connections at most (more wait in the kernel's queue until one closes).
    /// Default: what the open-file limit leaves after the database's files.
    pub max_connections: usize,
    /// A request's headers must arrive within this, and an idle kept-alive connection is
    /// closed after it (slowloris).
    pub header_timeout: Duration,
    /// A request (body read, handler, answer) must finish within this.
    pub request_timeout: Duration,
    /// Requests per second per client address, sustained (0: no limit).
    pub requests_per_s: f64,
    /// Requests a client may send at once above the sustained rate.
    pub request_burst: f64,
    /// Login attempts per minute per client address, sustained (0: no limit).
    pub logins_per_min: f64,
    pub login_burst: f64,
    /// A reverse proxy (TLS) whose `X-Forwarded-For` names the real client.
    pub trusted_proxy: Option<IpAddr>,
    /// How long in-flight requests may take to finish on SIGTERM.
    pub shutdown_grace: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: default_max_connections(),
            header_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            requests_per_s: 50.0,
            request_burst: 200.0,
            logins_per_min: 20.0,
            login_burst: 20.0,
            trusted_proxy: None,
            shutdown_grace: Duration::from_secs(20),
        }
    }
}

/// The soft limit of open files, from /proc (Linux); 1024 when it cannot be read.
pub fn open_file_limit() -> u64 {
    std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|text| {
            let line = text.lines().find(|l| l.starts_with("Max open files"))?;
            line.split_whitespace().nth(3)?.parse().ok()
        })
        .unwrap_or(1024)
}

/// Connections that fit in the open-file limit, keeping 96 descriptors for the database
/// (the writer and up to 16 readers, three files each), the lock and sequence files, the
/// log and the runtime; between 16 and 4096.
pub fn default_max_connections() -> usize {
    (open_file_limit().saturating_sub(96)).clamp(16, 4096) as usize
}

/// Token buckets per client address.
pub(crate) struct RateLimiter {
    per_s: f64,
    burst: f64,
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

impl RateLimiter {
    pub(crate) fn new(per_s: f64, burst: f64) -> RateLimiter {
        RateLimiter { per_s, burst: burst.max(1.0), buckets: Mutex::new(HashMap::new()) }
    }

    /// Take one token for `ip`; when there is none, the seconds until there is.
    pub(crate) fn take(&self, ip: IpAddr) -> Result<(), u64> {
        if self.per_s <= 0.0 {
            return Ok(());
        }
        let now = Instant::now();
        let mut map = self.buckets.lock().expect("buckets");
        if map.len() > 100_000 {
            // Forget the clients whose buckets are full again.
            let (per_s, burst) = (self.per_s, self.burst);
            map.retain(|_, (tokens, at)| *tokens + now.duration_since(*at).as_secs_f64() * per_s < burst);
        }
        let (tokens, at) = map.entry(ip).or_insert((self.burst, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * self.per_s).min(self.burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - *tokens) / self.per_s).ceil().max(1.0) as u64)
        }
    }
}

/// The client's address as this server sees it, put in each request.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub IpAddr);

/// What the middlewares share.
pub(crate) struct Guards {
    pub limits: Limits,
    pub requests: RateLimiter,
    pub logins: RateLimiter,
}

impl Guards {
    pub(crate) fn new(limits: Limits) -> Arc<Guards> {
        Arc::new(Guards {
            requests: RateLimiter::new(limits.requests_per_s, limits.request_burst),
            logins: RateLimiter::new(limits.logins_per_min / 60.0, limits.login_burst),
            limits,
        })
    }
}

fn too_many(message: &str, retry_after_s: u64) -> Response {
    let mut r = ApiError::new(StatusCode::TOO_MANY_REQUESTS, message).into_response();
    r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_s));
    r
}

/// The address of the client: the peer, or behind the trusted proxy the last address the
/// proxy appended to `X-Forwarded-For` (earlier ones are the client's own claims).
fn client_addr(request: &Request, proxy: Option<IpAddr>) -> Option<IpAddr> {
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>()?.0.ip();
    if Some(peer) == proxy
        && let Some(forwarded) = request
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|v| v.trim().parse().ok())
    {
        return Some(forwarded);
    }
    Some(peer)
}

/// Client address, rate limits and the time limit of one request.
pub(crate) async fn guard(State(g): State<Arc<Guards>>, mut request: Request, next: Next) -> Response {
    let addr = client_addr(&request, g.limits.trusted_proxy);
    if let Some(ip) = addr {
        request.extensions_mut().insert(ClientAddr(ip));
        if let Err(wait) = g.requests.take(ip) {
            return too_many("too many requests from this address: slow down", wait);
        }
        if request.method() == Method::POST
            && request.uri().path() == "/api/session"
            && let Err(wait) = g.logins.take(ip)
        {
            return too_many("too many login attempts from this address: try again later", wait);
        }
    }
    match tokio::time::timeout(g.limits.request_timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::new(StatusCode::REQUEST_TIMEOUT, "the request took too long").into_response(),
    }
}

/// The content security policy: scripts and styles from this server only (no inline
/// script; inline style attributes are allowed for the map library and the charts), no
/// framing, no plugins, forms and fetches to this server only.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
frame-ancestors 'none'";

/// Security headers on every answer.
pub(crate) async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    h.insert("permissions-policy", HeaderValue::from_static("camera=(), microphone=(), geolocation=(self)"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_refill_and_refuse() {
        let r = RateLimiter::new(1.0, 3.0);
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        for _ in 0..3 {
            assert!(r.take(ip).is_ok());
        }
        assert_eq!(r.take(ip), Err(1));
        assert!(r.take("10.0.0.2".parse().unwrap()).is_ok(), "per address");
        assert!(RateLimiter::new(0.0, 0.0).take(ip).is_ok(), "0 is off");
    }

    #[test]
    fn the_open_file_limit_is_read() {
        assert!(open_file_limit() >= 16);
        assert!(default_max_connections() >= 16);
    }
}
