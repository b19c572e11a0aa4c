// Times the Node binding (@stella-ops/core, release build) on the calls the Rust bench
// bindings/node/benches/api.rs times on stella-bindings-api directly, and prints both.
//
//   node benches/node/bench.mjs [CRITERION_DIR]
//
// CRITERION_DIR (default: $CARGO_TARGET_DIR/criterion or target/criterion) holds the Rust
// estimates (run `cargo bench -p stella-ops-node --bench api` first); without them only the
// Node numbers are printed. bench.sh does both.
import { createRequire } from 'node:module'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.join(here, '..', '..')
const require = createRequire(import.meta.url)
const stella = require(path.join(root, 'bindings', 'node'))

const image = fs.readFileSync(path.join(root, 'tests/vectors/conformance/image/image.tar'))
const sbomOptions = { timestamp: '2024-06-01T00:00:00Z' }

/** Median of `rounds` rounds of `iterations` calls, in ns per call. */
function time(fn, iterations, rounds) {
  for (let i = 0; i < Math.min(iterations, 1000); i++) fn() // warm up
  const perCall = []
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint()
    for (let i = 0; i < iterations; i++) fn()
    perCall.push(Number(process.hrtime.bigint() - start) / iterations)
  }
  perCall.sort((a, b) => a - b)
  return perCall[Math.floor(perCall.length / 2)]
}

const bytes32 = Buffer.alloc(32, 7)
const node = {
  digest_of_32: time(() => stella.digestOf(bytes32), 200_000, 15),
  sbom_from_image_bytes: time(() => stella.sbomFromImageBytes(image, sbomOptions), 200, 15),
  run_demo: time(() => stella.run(), 10, 9),
}

const criterion = process.argv[2] ??
  path.join(process.env.CARGO_TARGET_DIR ?? path.join(root, 'target'), 'criterion')
function rust(name) {
  const file = path.join(criterion, 'node-compare', name, 'new', 'estimates.json')
  if (!fs.existsSync(file)) return undefined
  return JSON.parse(fs.readFileSync(file, 'utf8')).median.point_estimate
}

const fmt = (ns) => ns === undefined ? 'n/a' : ns < 10_000 ? `${ns.toFixed(0)} ns` : `${(ns / 1e6).toFixed(3)} ms`
console.log('call                          node (median)   rust (median)   node - rust      node / rust')
for (const [name, ns] of Object.entries(node)) {
  const r = rust(name)
  const diff = r === undefined ? 'n/a' : fmt(ns - r)
  const ratio = r === undefined ? 'n/a' : `${((ns / r - 1) * 100).toFixed(1)} %`
  console.log(`${name.padEnd(30)}${fmt(ns).padEnd(16)}${fmt(r).padEnd(16)}${diff.padEnd(17)}${ratio}`)
}
