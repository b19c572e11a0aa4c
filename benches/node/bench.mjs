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

const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]

/**
 * Median over `rounds` rounds of `iterations` calls: wall time and this process's CPU time
 * (user + system), in ns per call. On a loaded machine the CPU time is the steadier number.
 */
function time(fn, iterations, rounds) {
  for (let i = 0; i < Math.min(iterations, 1000); i++) fn() // warm up
  const wall = []
  const cpu = []
  for (let r = 0; r < rounds; r++) {
    const cpuStart = process.cpuUsage()
    const start = process.hrtime.bigint()
    for (let i = 0; i < iterations; i++) fn()
    wall.push(Number(process.hrtime.bigint() - start) / iterations)
    const used = process.cpuUsage(cpuStart)
    cpu.push(((used.user + used.system) * 1000) / iterations)
  }
  return { wall: median(wall), cpu: median(cpu) }
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
console.log('call                    node wall       node cpu        rust wall       node wall - rust   node wall / rust')
for (const [name, { wall, cpu }] of Object.entries(node)) {
  const r = rust(name)
  const diff = r === undefined ? 'n/a' : fmt(wall - r)
  const ratio = r === undefined ? 'n/a' : `${((wall / r - 1) * 100).toFixed(1)} %`
  console.log(`${name.padEnd(24)}${fmt(wall).padEnd(16)}${fmt(cpu).padEnd(16)}${fmt(r).padEnd(16)}${diff.padEnd(19)}${ratio}`)
}
console.log('(medians; rust: criterion wall time of stella_bindings_api called directly)')
