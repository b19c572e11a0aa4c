//! A tiny OCI distribution registry on a loopback `TcpListener`, for hermetic tests of
//! `stella::image::registry`. It serves manifests and blobs from maps the test fills, and
//! can misbehave on demand: token auth, wrong bytes for a digest, a tag that moves, lying or
//! missing lengths, redirects of blob GETs to another server, redirect loops, basic auth, a
//! token realm elsewhere, an OAuth2 refresh-token grant, blob storage that asks for
//! credentials. Every request is recorded (method, path and query, Authorization header,
//! body).

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex, MutexGuard};

use stella_core::{Descriptor, Digest};

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub target: String,
    pub authorization: Option<String>,
    /// The body (lossy UTF-8).
    pub body: String,
}

/// A recorded answer: extra headers and the body.
pub type RecordedAnswer = (Vec<(String, String)>, Vec<u8>);

/// What the server serves and how it misbehaves. Tests change it through [`Fake::state`].
#[derive(Debug, Default)]
pub struct State {
    /// repository → reference (tag or digest string) → (media type, bytes).
    pub manifests: BTreeMap<String, BTreeMap<String, (String, Vec<u8>)>>,
    /// Blob bytes served for a digest (tests may put wrong bytes here).
    pub blobs: BTreeMap<Digest, Vec<u8>>,
    /// A tag answered by a sequence of digests: each GET of the tag takes the next one and
    /// the last one stays.
    pub tag_sequence: BTreeMap<String, Vec<Digest>>,
    /// When set, every /v2/ request needs `Authorization: Bearer <token>`, issued at /token.
    pub token: Option<String>,
    /// When set, /token needs these basic credentials.
    pub token_basic: Option<(String, String)>,
    /// When set, /token also answers a `POST` of `grant_type=refresh_token` with this
    /// refresh token (with an `access_token`).
    pub refresh_token: Option<String>,
    /// The realm named in the Bearer challenge (default `http://127.0.0.1:PORT/token`).
    pub realm: Option<String>,
    /// When set, every /v2/ request needs these basic credentials (`WWW-Authenticate: Basic`).
    pub basic: Option<(String, String)>,
    /// The blob-storage side (`/blobs/…`) answers 401 with a Bearer challenge naming its own
    /// realm (`http://localhost:PORT/token`).
    pub storage_challenge: bool,
    /// When set, blob GETs answer 307 to `<base>/blobs/<digest>?sig=1`.
    pub redirect_blobs_to: Option<String>,
    /// Blob GETs answer 302 to themselves, forever.
    pub redirect_loop: bool,
    /// A `Docker-Content-Digest` sent instead of the true one.
    pub lying_digest_header: Option<String>,
    /// Blobs answered with this `Content-Length` and no body.
    pub lying_length: BTreeMap<Digest, u64>,
    /// Blobs streamed without `Content-Length`: this many zero bytes (bounded).
    pub endless: BTreeMap<Digest, u64>,
    /// Blobs whose first half is sent at once and the rest never (the connection is held
    /// for 3 s, then closed).
    pub stall: std::collections::BTreeSet<Digest>,
    /// Blobs whose first half is sent at once and then one byte every 200 ms (for at most
    /// 4 s): each read is quick, the whole is not.
    pub trickle: std::collections::BTreeSet<Digest>,
    /// Serve the OCI 1.1 referrers API (`/v2/<repo>/referrers/<digest>`) from the stored
    /// manifests whose `subject` is the digest, as zot and distribution 3 do (artifactType, or
    /// the config media type; the manifest's annotations; `?artifactType=` applied with
    /// `OCI-Filters-Applied`). Off: the route answers 404, as distribution 2.x does.
    pub referrers_api: bool,
    /// With `referrers_api`: at most this many descriptors per page, the rest behind
    /// `Link: <…>; rel="next"` (0: one page).
    pub referrers_page_size: usize,
    /// With `referrers_api`: recorded answers served verbatim for a path and query
    /// (`/v2/<repo>/referrers/<digest>[?…]`): headers and body.
    pub recorded_referrers: BTreeMap<String, RecordedAnswer>,
    /// Every request.
    pub requests: Vec<Recorded>,
}

/// A running fake registry.
#[derive(Clone)]
pub struct Fake {
    pub port: u16,
    state: Arc<Mutex<State>>,
}

impl Fake {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let state = shared.clone();
                std::thread::spawn(move || {
                    let _ = serve(stream, &state, port);
                });
            }
        });
        Self { port, state }
    }

    /// `127.0.0.1:PORT`.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds every blob and manifest of a built image under `repository`, the root tagged `tag`.
    pub fn add_image(
        &self,
        repository: &str,
        tag: &str,
        root: &Descriptor,
        blobs: &BTreeMap<Digest, Vec<u8>>,
        manifests: &[Descriptor],
    ) {
        let mut s = self.state();
        for (d, b) in blobs {
            s.blobs.insert(*d, b.clone());
        }
        let repo = s.manifests.entry(repository.to_owned()).or_default();
        for m in manifests.iter().chain(std::iter::once(root)) {
            let bytes = blobs[&m.digest].clone();
            repo.insert(m.digest.to_string(), (m.media_type.clone(), bytes));
        }
        let root_bytes = blobs[&root.digest].clone();
        repo.insert(tag.to_owned(), (root.media_type.clone(), root_bytes));
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.state().requests.clone()
    }
}

struct Request {
    method: String,
    target: String,
    headers: BTreeMap<String, String>,
    body: Vec<u8>,
}

fn read_request(stream: &mut BufReader<TcpStream>) -> Option<Request> {
    let mut line = String::new();
    stream.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let target = parts.next()?.to_owned();
    let mut headers = BTreeMap::new();
    loop {
        let mut h = String::new();
        stream.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':')?;
        headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
    }
    let len: usize = headers
        .get("content-length")
        .and_then(|l| l.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len.min(64 << 20)];
    stream.read_exact(&mut body).ok()?;
    Some(Request {
        method,
        target,
        headers,
        body,
    })
}

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// Send `Content-Length` (false: stream until close).
    length: Option<u64>,
    /// Send the body (false for HEAD and lying lengths).
    send_body: bool,
    /// Send half the body, then hold the connection.
    stall: bool,
    /// Send half the body, then a byte every 200 ms.
    trickle: bool,
}

fn reply(status: u16) -> Reply {
    Reply {
        status,
        headers: Vec::new(),
        body: Vec::new(),
        length: Some(0),
        send_body: true,
        stall: false,
        trickle: false,
    }
}

fn with_body(status: u16, content_type: &str, body: Vec<u8>) -> Reply {
    Reply {
        status,
        headers: vec![("Content-Type".into(), content_type.into())],
        length: Some(body.len() as u64),
        body,
        send_body: true,
        stall: false,
        trickle: false,
    }
}

fn error(status: u16, code: &str) -> Reply {
    with_body(
        status,
        "application/json",
        format!(r#"{{"errors":[{{"code":"{code}","message":"fake"}}]}}"#).into_bytes(),
    )
}

fn serve(stream: TcpStream, state: &Mutex<State>, port: u16) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let Some(req) = read_request(&mut reader) else {
        return Ok(());
    };
    let reply = {
        let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
        s.requests.push(Recorded {
            method: req.method.clone(),
            target: req.target.clone(),
            authorization: req.headers.get("authorization").cloned(),
            body: String::from_utf8_lossy(&req.body).into_owned(),
        });
        route(&mut s, &req, port)
    };
    let mut out = stream;
    let reason = match reply.status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        302 => "Found",
        307 => "Temporary Redirect",
        401 => "Unauthorized",
        404 => "Not Found",
        _ => "Status",
    };
    let mut head = format!(
        "HTTP/1.1 {} {reason}\r\nConnection: close\r\n",
        reply.status
    );
    for (k, v) in &reply.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if let Some(len) = reply.length {
        head.push_str(&format!("Content-Length: {len}\r\n"));
    }
    head.push_str("\r\n");
    out.write_all(head.as_bytes())?;
    if req.method != "HEAD" && reply.send_body {
        if reply.trickle {
            let half = reply.body.len() / 2;
            out.write_all(&reply.body[..half])?;
            for byte in reply.body[half..].iter().take(20) {
                out.write_all(&[*byte])?;
                out.flush()?;
                std::thread::sleep(std::time::Duration::from_millis(200));
            }
            return Ok(());
        }
        if reply.stall {
            out.write_all(&reply.body[..reply.body.len() / 2])?;
            out.flush()?;
            std::thread::sleep(std::time::Duration::from_secs(3));
            return Ok(());
        }
        if reply.length.is_none() {
            // Stream in chunks until the body is sent or the client hangs up.
            for chunk in reply.body.chunks(64 * 1024) {
                out.write_all(chunk)?;
            }
        } else {
            out.write_all(&reply.body)?;
        }
    }
    out.flush()
}

fn query_param<'a>(target: &'a str, key: &str) -> Vec<&'a str> {
    target
        .split_once('?')
        .map(|(_, q)| q)
        .unwrap_or("")
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .filter(|(k, _)| *k == key)
        .map(|(_, v)| v)
        .collect()
}

fn basic(user: &str, password: &str) -> String {
    use base64::Engine as _;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

fn route(s: &mut State, req: &Request, port: u16) -> Reply {
    let path = req.target.split('?').next().unwrap_or("");
    if path == "/token" && req.method == "POST" {
        let form = String::from_utf8_lossy(&req.body).into_owned();
        let fields: Vec<&str> = form.split('&').collect();
        let ok = s.refresh_token.as_ref().is_some_and(|t| {
            fields.contains(&"grant_type=refresh_token")
                && fields.contains(&format!("refresh_token={t}").as_str())
        });
        if !ok {
            return error(401, "UNAUTHORIZED");
        }
        let token = s.token.clone().unwrap_or_default();
        return with_body(
            200,
            "application/json",
            format!(r#"{{"access_token":"{token}","expires_in":300}}"#).into_bytes(),
        );
    }
    if path == "/token" {
        if let Some((u, p)) = &s.token_basic
            && req.headers.get("authorization") != Some(&basic(u, p))
        {
            return error(401, "UNAUTHORIZED");
        }
        let token = s.token.clone().unwrap_or_default();
        return with_body(
            200,
            "application/json",
            format!(r#"{{"token":"{token}","expires_in":300}}"#).into_bytes(),
        );
    }
    if let Some(hex) = path.strip_prefix("/blobs/sha256:") {
        // The "blob storage" side of a redirect.
        if s.storage_challenge {
            let mut r = error(401, "UNAUTHORIZED");
            r.headers.push((
                "WWW-Authenticate".into(),
                format!(r#"Bearer realm="http://localhost:{port}/token",service="storage""#),
            ));
            return r;
        }
        let Ok(d) = Digest::parse_hex(hex) else {
            return error(404, "BLOB_UNKNOWN");
        };
        return match s.blobs.get(&d) {
            Some(b) => with_body(200, "application/octet-stream", b.clone()),
            None => error(404, "BLOB_UNKNOWN"),
        };
    }
    let Some(rest) = path.strip_prefix("/v2/") else {
        return error(404, "NOT_FOUND");
    };
    if let Some((u, p)) = &s.basic
        && req.headers.get("authorization") != Some(&basic(u, p))
    {
        let mut r = error(401, "UNAUTHORIZED");
        r.headers
            .push(("WWW-Authenticate".into(), r#"Basic realm="fake""#.into()));
        return r;
    }
    if let Some(token) = &s.token
        && req.headers.get("authorization") != Some(&format!("Bearer {token}"))
    {
        let repo = rest.split("/manifests/").next().unwrap_or("");
        let repo = repo.split("/blobs/").next().unwrap_or("");
        let realm = s
            .realm
            .clone()
            .unwrap_or_else(|| format!("http://127.0.0.1:{port}/token"));
        let mut r = error(401, "UNAUTHORIZED");
        r.headers.push((
            "WWW-Authenticate".into(),
            format!(
                r#"Bearer realm="{realm}",service="fake-registry",scope="repository:{repo}:pull""#
            ),
        ));
        return r;
    }
    if rest.is_empty() {
        return reply(200);
    }
    if let Some((repo, digest)) = rest.rsplit_once("/referrers/") {
        if !s.referrers_api || req.method != "GET" {
            return error(404, "NOT_FOUND");
        }
        return referrers(s, repo, digest, &req.target);
    }
    if let Some((repo, reference)) = rest.rsplit_once("/manifests/") {
        return match req.method.as_str() {
            "GET" | "HEAD" => {
                let reference = match s.tag_sequence.get_mut(reference) {
                    Some(seq) if seq.len() > 1 => seq.remove(0).to_string(),
                    Some(seq) => seq.first().map(|d| d.to_string()).unwrap_or_default(),
                    None => reference.to_owned(),
                };
                let Some((media_type, bytes)) = s
                    .manifests
                    .get(repo)
                    .and_then(|m| m.get(&reference))
                    .cloned()
                else {
                    return error(404, "MANIFEST_UNKNOWN");
                };
                let digest = s
                    .lying_digest_header
                    .clone()
                    .unwrap_or_else(|| Digest::of(&bytes).to_string());
                let mut r = with_body(200, &media_type, bytes);
                r.headers.push(("Docker-Content-Digest".into(), digest));
                r
            }
            "PUT" => {
                let media_type = req.headers.get("content-type").cloned().unwrap_or_default();
                let digest = Digest::of(&req.body);
                let repo = s.manifests.entry(repo.to_owned()).or_default();
                repo.insert(digest.to_string(), (media_type.clone(), req.body.clone()));
                repo.insert(reference.to_owned(), (media_type, req.body.clone()));
                let mut r = reply(201);
                r.headers
                    .push(("Docker-Content-Digest".into(), digest.to_string()));
                r
            }
            _ => error(405, "UNSUPPORTED"),
        };
    }
    if let Some((repo, upload)) = rest.split_once("/blobs/uploads/") {
        return match req.method.as_str() {
            "POST" => {
                let mut r = reply(202);
                r.headers.push((
                    "Location".into(),
                    format!("/v2/{repo}/blobs/uploads/u-{}?_state=xyz", s.requests.len()),
                ));
                r
            }
            "PUT" if !upload.is_empty() => {
                let wanted = query_param(&req.target, "digest");
                let Some(Ok(want)) = wanted.first().map(|d| Digest::parse(d)) else {
                    return error(400, "DIGEST_INVALID");
                };
                if query_param(&req.target, "_state") != ["xyz"] || Digest::of(&req.body) != want {
                    return error(400, "DIGEST_INVALID");
                }
                s.blobs.insert(want, req.body.clone());
                let mut r = reply(201);
                r.headers
                    .push(("Docker-Content-Digest".into(), want.to_string()));
                r
            }
            _ => error(405, "UNSUPPORTED"),
        };
    }
    if let Some((_repo, digest)) = rest.rsplit_once("/blobs/") {
        let Ok(d) = Digest::parse(digest) else {
            return error(400, "DIGEST_INVALID");
        };
        if s.redirect_loop {
            let mut r = reply(302);
            r.headers.push(("Location".into(), path.to_owned()));
            return r;
        }
        if let Some(base) = &s.redirect_blobs_to
            && req.method == "GET"
        {
            let mut r = reply(307);
            r.headers
                .push(("Location".into(), format!("{base}/blobs/{digest}?sig=1")));
            return r;
        }
        if let Some(len) = s.lying_length.get(&d) {
            let mut r = with_body(200, "application/octet-stream", Vec::new());
            r.length = Some(*len);
            r.send_body = false;
            return r;
        }
        if let Some(n) = s.endless.get(&d) {
            let mut r = with_body(200, "application/octet-stream", vec![0u8; *n as usize]);
            r.length = None;
            return r;
        }
        return match s.blobs.get(&d) {
            Some(b) => {
                let mut r = with_body(200, "application/octet-stream", b.clone());
                r.stall = s.stall.contains(&d);
                r.trickle = s.trickle.contains(&d);
                r
            }
            None => error(404, "BLOB_UNKNOWN"),
        };
    }
    error(404, "NOT_FOUND")
}

/// The referrers API over the stored manifests (see [`State::referrers_api`]).
fn referrers(s: &State, repo: &str, digest: &str, target: &str) -> Reply {
    if let Some((headers, body)) = s.recorded_referrers.get(target) {
        let mut r = with_body(200, "application/vnd.oci.image.index.v1+json", body.clone());
        r.headers.extend(headers.iter().cloned());
        return r;
    }
    if Digest::parse(digest).is_err() {
        return error(400, "DIGEST_INVALID");
    }
    let filter: Vec<String> = query_param(target, "artifactType")
        .into_iter()
        .map(percent_decode)
        .collect();
    let mut entries: BTreeMap<String, serde_json::Value> = BTreeMap::new();
    for (reference, (media_type, bytes)) in s.manifests.get(repo).into_iter().flatten() {
        if !reference.starts_with("sha256:") {
            continue;
        }
        let Ok(m) = serde_json::from_slice::<serde_json::Value>(bytes) else {
            continue;
        };
        if m["subject"]["digest"].as_str() != Some(digest) {
            continue;
        }
        let artifact_type = m["artifactType"]
            .as_str()
            .or(m["config"]["mediaType"].as_str())
            .unwrap_or_default()
            .to_owned();
        if filter.first().is_some_and(|f| *f != artifact_type) {
            continue;
        }
        let mut d = serde_json::json!({
            "mediaType": media_type,
            "digest": reference,
            "size": bytes.len(),
            "artifactType": artifact_type,
        });
        if let Some(a) = m.get("annotations") {
            d["annotations"] = a.clone();
        }
        entries.insert(reference.clone(), d);
    }
    let all: Vec<serde_json::Value> = entries.into_values().collect();
    let last = query_param(target, "last").first().map(|l| l.to_string());
    let start = last
        .as_ref()
        .and_then(|l| {
            all.iter()
                .position(|d| d["digest"].as_str() == Some(l.as_str()))
        })
        .map_or(0, |i| i + 1);
    let size = if s.referrers_page_size == 0 {
        all.len()
    } else {
        s.referrers_page_size
    };
    let page: Vec<serde_json::Value> = all.iter().skip(start).take(size).cloned().collect();
    let body = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": page,
    }))
    .unwrap();
    let mut r = with_body(200, "application/vnd.oci.image.index.v1+json", body);
    if !filter.is_empty() {
        r.headers
            .push(("OCI-Filters-Applied".into(), "artifactType".into()));
    }
    if start + size < all.len()
        && let Some(d) = page.last().and_then(|d| d["digest"].as_str())
    {
        let mut next = format!("/v2/{repo}/referrers/{digest}?last={d}");
        if let Some(f) = query_param(target, "artifactType").first() {
            next.push_str(&format!("&artifactType={f}"));
        }
        r.headers
            .push(("Link".into(), format!("<{next}>; rel=\"next\"")));
    }
    r
}

fn percent_decode(v: &str) -> String {
    let bytes = v.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&v[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
