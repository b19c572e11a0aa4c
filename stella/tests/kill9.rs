#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! Kill -9 during store writes and log appends.
//!
//! The test binary re-executes itself as the child (`writer_loop` with `STELLA_KILL9_DIR` set):
//! the child loops writing blobs to an [`FsBlobStore`], appending their digests to a
//! [`FileLog`] and recording each in the [`AuditLog`], printing a line after each call
//! returned. The parent SIGKILLs it at random moments, several rounds on the same store, and
//! after each kill checks: every visible blob verifies, every acknowledged blob is there, the
//! transparency log opens and proves every acknowledged entry, the audit log opens (recovering
//! a torn tail) and holds every acknowledged record.
//!
//! A SIGKILL loses what the process had not handed to the kernel; it does not test power loss
//! (pages the kernel held but had not written), which only the fsyncs in the code address.

#![cfg(unix)]

use std::collections::BTreeMap;
use std::hash::BuildHasher;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use stella::store::{AuditLog, FileLog, FsBlobStore};
use stella_attest::keys::{LocalSigner, PrivateKey, SystemRandom};
use stella_attest::transparency::merkle;
use stella_attest::transparency::note::Checkpoint;
use stella_core::{BlobStore, Digest, SignatureAlgorithm, Timestamp, TransparencyLog};

const ORIGIN: &str = "stella.test/kill9";
const ENV_DIR: &str = "STELLA_KILL9_DIR";
const KEY_FILE: &str = "log-key.pk8";

fn load_key(dir: &Path) -> Arc<LocalSigner<SystemRandom>> {
    let der = std::fs::read(dir.join(KEY_FILE)).unwrap();
    let key = PrivateKey::from_pkcs8_der(&der).unwrap();
    Arc::new(LocalSigner::new(key, SystemRandom::new()).unwrap())
}

fn write_key(dir: &Path) {
    let rng = SystemRandom::new();
    let key = PrivateKey::generate(SignatureAlgorithm::Ed25519, &rng).unwrap();
    std::fs::write(dir.join(KEY_FILE), &*key.to_pkcs8_der().unwrap()).unwrap();
}

/// Blob `i` of a writer: a few bytes to a few hundred KiB, unique per process and index.
fn blob(i: u64) -> Vec<u8> {
    let len = ((i * 7919) % 300_000) as usize + 1;
    let tag = format!("{}:{i}:", std::process::id());
    tag.bytes().cycle().take(len).collect()
}

/// The child's work: loop (forever, or `iterations` times), printing an acknowledgement line
/// after each durable call.
fn write_loop(dir: &Path, iterations: Option<u64>) {
    let store_root = dir.join("store");
    let store = FsBlobStore::open(&store_root).unwrap();
    let log = FileLog::open_in_store(&store_root, ORIGIN, load_key(dir)).unwrap();
    let mut audit = AuditLog::open_recovering(&store_root).unwrap();
    let mut out = std::io::stdout().lock();
    let mut i = 0u64;
    while iterations.is_none_or(|n| i < n) {
        let bytes = blob(i);
        let digest = if i % 2 == 0 {
            store.put(&bytes).unwrap()
        } else {
            store.put_reader(&mut &bytes[..]).unwrap()
        };
        writeln!(out, "ack blob {digest}").unwrap();
        out.flush().unwrap();
        let receipt = log.append(digest.to_string().as_bytes()).unwrap();
        writeln!(out, "ack log {} {digest}", receipt.log_index).unwrap();
        out.flush().unwrap();
        let mut inputs = BTreeMap::new();
        inputs.insert("blob".to_owned(), digest.to_string());
        let record = audit
            .append(
                Timestamp::UNIX_EPOCH,
                "kill9",
                "store",
                inputs,
                BTreeMap::new(),
                BTreeMap::new(),
            )
            .unwrap();
        writeln!(out, "ack audit {record}").unwrap();
        out.flush().unwrap();
        i += 1;
    }
}

#[derive(Default)]
struct Acked {
    blobs: Vec<Digest>,
    log: Vec<(u64, String)>,
    audit: Vec<Digest>,
}

fn parse_acks(lines: &[String], acked: &mut Acked) {
    for line in lines {
        let mut words = line.split(' ');
        if words.next() != Some("ack") {
            continue;
        }
        match (words.next(), words.next(), words.next()) {
            (Some("blob"), Some(d), None) => acked.blobs.push(Digest::parse(d).unwrap()),
            (Some("log"), Some(i), Some(d)) => acked.log.push((i.parse().unwrap(), d.to_owned())),
            (Some("audit"), Some(d), None) => acked.audit.push(Digest::parse(d).unwrap()),
            _ => panic!("unexpected child line {line:?}"),
        }
    }
}

/// What a reader finds after the writer died: everything verifies and nothing acknowledged is
/// lost. Returns (visible blobs, log size, audit records).
fn check_store(dir: &Path, acked: &Acked) -> (usize, u64, usize) {
    let store_root = dir.join("store");
    let store = FsBlobStore::open(&store_root).unwrap();
    let mut visible = 0;
    for e in std::fs::read_dir(store_root.join("blobs/sha256")).unwrap() {
        let name = e.unwrap().file_name().into_string().unwrap();
        if name.starts_with(".tmp-") {
            continue; // an unpublished temporary file: not a blob
        }
        let digest = Digest::parse(&format!("sha256:{name}")).unwrap();
        // `get` hashes what it read: a partial blob under a digest name would fail here.
        store.get(&digest).unwrap();
        visible += 1;
    }
    for d in &acked.blobs {
        assert!(store.contains(d).unwrap(), "acknowledged blob {d} lost");
    }

    let log = FileLog::open_in_store(&store_root, ORIGIN, load_key(dir)).unwrap();
    let size = log.size().unwrap();
    let cp = Checkpoint::verify(
        log.checkpoint().unwrap().0.as_bytes(),
        std::slice::from_ref(log.note_verifier()),
    )
    .unwrap()
    .checkpoint;
    assert_eq!(cp.size, size);
    assert!(size >= acked.log.len() as u64);
    for (index, entry) in &acked.log {
        let proof = log.inclusion_proof(*index, size).unwrap();
        assert_eq!(proof.root_hash, cp.root_hash);
        merkle::verify_inclusion(
            &merkle::leaf_hash(entry.as_bytes()),
            *index,
            size,
            &proof.hashes,
            &proof.root_hash,
        )
        .unwrap_or_else(|e| panic!("acknowledged log entry {index} does not prove: {e}"));
    }
    drop(log);

    let audit = AuditLog::open_recovering(&store_root).unwrap();
    // `open_recovering` verified the chain; every acknowledged record is in it, in order (a
    // record can also be durable without its acknowledgement having been printed).
    let text = std::fs::read_to_string(audit.path()).unwrap();
    let lines: Vec<Digest> = text.lines().map(|l| Digest::of(l.as_bytes())).collect();
    assert_eq!(lines.len(), audit.records().len());
    let mut rest = lines.iter();
    for d in &acked.audit {
        assert!(rest.any(|l| l == d), "acknowledged audit record {d} lost");
    }
    // Every audited blob is in the store.
    for record in audit.records() {
        let d = Digest::parse(&record.inputs["blob"]).unwrap();
        assert!(store.contains(&d).unwrap(), "audited blob {d} missing");
    }
    (visible, size, audit.records().len())
}

/// As a plain test (no env var) the loop runs 12 iterations in-process and the store checks
/// pass; as the child of `kill9_rounds` (env var set) it runs until killed.
#[test]
fn writer_loop() {
    if let Some(dir) = std::env::var_os(ENV_DIR) {
        write_loop(Path::new(&dir), None);
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    write_key(dir.path());
    write_loop(dir.path(), Some(12));
    let (blobs, size, audit) = check_store(dir.path(), &Acked::default());
    assert_eq!((blobs, size, audit), (12, 12, 12));
}

#[test]
fn kill9_rounds() {
    use std::os::unix::process::ExitStatusExt as _;
    let dir = tempfile::tempdir().unwrap();
    write_key(dir.path());
    let exe = std::env::current_exe().unwrap();
    let mut acked = Acked::default();
    let random = std::collections::hash_map::RandomState::new();
    let rounds = 8;
    for round in 0..rounds {
        let mut child = Command::new(&exe)
            .args(["writer_loop", "--exact", "--nocapture", "--test-threads=1"])
            .env(ENV_DIR, dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let reader = {
            let lines = lines.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { break };
                    lines.lock().unwrap().push(line);
                }
            })
        };
        // Wait until the child is writing, then kill it at a random moment.
        let started = std::time::Instant::now();
        while lines.lock().unwrap().iter().all(|l| !l.starts_with("ack ")) {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "child never started writing"
            );
            assert!(child.try_wait().unwrap().is_none(), "child exited early");
            std::thread::sleep(Duration::from_millis(5));
        }
        let delay = 10 + random.hash_one(round) % 300;
        std::thread::sleep(Duration::from_millis(delay));
        assert!(
            child.try_wait().unwrap().is_none(),
            "child exited by itself"
        );
        child.kill().unwrap(); // SIGKILL on Unix
        let status = child.wait().unwrap();
        assert_eq!(status.signal(), Some(9), "round {round}: {status:?}");
        reader.join().unwrap();
        let lines = lines.lock().unwrap().clone();
        parse_acks(&lines, &mut acked);
        let (blobs, size, audit) = check_store(dir.path(), &acked);
        eprintln!(
            "round {round}: killed after {delay} ms; {blobs} blobs, {size} log entries, {audit} audit records"
        );
    }
    assert!(
        acked.log.len() as u64 >= rounds,
        "too little work was done to test anything"
    );
}
