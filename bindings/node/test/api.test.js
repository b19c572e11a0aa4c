// Error codes, the forced panic, sync/async equality, determinism and round trips.
'use strict'

const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const stella = require('..')
const { readFile } = require('./vectors')

const FIXED = '2024-06-01T00:00:00Z'
const image = readFile('image/image.tar')
const snapshot = readFile('db/snapshot.db')
const sbom = readFile('image/sbom.cdx.json')
const gateInput = readFile('policy/input-affected.json')
const osv = fs.readdirSync(path.join(require('./vectors').DIR, 'db/osv')).sort()
  .map((name) => ({ name, bytes: readFile(`db/osv/${name}`) }))

/** Asserts `fn` throws an Error with `code` and returns it. */
function throwsCode(fn, code) {
  let caught
  assert.throws(fn, (e) => {
    caught = e
    return true
  })
  assert.ok(caught instanceof Error, 'an Error instance')
  assert.equal(caught.code, code, caught.message)
  assert.ok(caught.message.length > 0)
  assert.ok(!caught.message.startsWith('E_'), 'the message is the library message, not the code')
  return caught
}

async function rejectsCode(promise, code) {
  assert.ok(promise instanceof Promise)
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof Error, 'an Error instance')
    assert.equal(e.code, code, e.message)
    return true
  })
}

/** The fixture image written to a temporary file (for the *Path functions). */
function imageFile(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stella-node-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  const file = path.join(dir, 'image.tar')
  fs.writeFileSync(file, image)
  return { dir, file }
}

test('every error kind surfaces as error.code', (t) => {
  const parse = throwsCode(() => stella.canonicalizeJson(Buffer.from('{"a":1,"a":2}')), 'E_PARSE')
  assert.equal(parse.message, 'duplicate object key "a" at byte 7', 'the Rust message, verbatim')
  throwsCode(() => stella.dsseVerify(readFile('dsse/envelope-tampered.json'), {
    publicKeysPem: [readFile('keys/ed25519-test.pub.pem').toString()],
  }), 'E_VERIFICATION')
  throwsCode(() => stella.dsseVerify(readFile('dsse/envelope.json')), 'E_INVALID_ARGUMENT')
  throwsCode(() => stella.policyEvaluate(gateInput, {
    time: FIXED, bundleFiles: [{ name: 'bad.rego', bytes: readFile('policy/bad.rego') }],
  }), 'E_POLICY')
  throwsCode(() => stella.policyEvaluate(gateInput, { time: FIXED, maxInstructions: 1 }), 'E_LIMIT')
  throwsCode(() => stella.sbomFromImagePath(path.join(os.tmpdir(), 'no-such-stella-image.tar')), 'E_IO')
  const { dir } = imageFile(t)
  throwsCode(() => stella.entryTraceImagePath(`dir:${dir}`), 'E_UNSUPPORTED')
  throwsCode(() => stella.forcePanicForTests(), 'E_INTERNAL')
})

test('option values are checked at the boundary', () => {
  throwsCode(() => stella.sbomFromImageBytes(image, { format: 'xml' }), 'E_INVALID_ARGUMENT')
  throwsCode(() => stella.scanSbom(sbom, snapshot, { format: 'csv' }), 'E_INVALID_ARGUMENT')
  throwsCode(() => stella.generateKey({ algorithm: 'rsa' }), 'E_INVALID_ARGUMENT')
  const pub = readFile('keys/ed25519-test.pub.pem').toString()
  for (const threshold of [-1, 1.5, Number.NaN, 2 ** 53]) {
    throwsCode(() => stella.dsseVerify(readFile('dsse/envelope.json'),
      { publicKeysPem: [pub], threshold }), 'E_INVALID_ARGUMENT')
  }
  throwsCode(() => stella.run({ time: 'yesterday' }), 'E_INVALID_ARGUMENT')
})

test('a panic inside Rust is an E_INTERNAL error and the process lives on', () => {
  for (let i = 0; i < 3; i++) {
    const e = throwsCode(() => stella.forcePanicForTests(), 'E_INTERNAL')
    assert.match(e.message, /forced panic/)
  }
  assert.equal(stella.digestOf(Buffer.alloc(0)),
    'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
})

test('async twins give byte-identical results to the sync calls', async (t) => {
  const { file } = imageFile(t)
  const sbomOptions = { timestamp: FIXED, name: 'fixture' }
  const pairs = [
    ['sbomFromImageBytes', [image, sbomOptions]],
    ['sbomFromImageBytes', [image, { ...sbomOptions, format: 'spdx-json' }]],
    ['sbomFromImagePath', [file, sbomOptions]],
    ['dbBuild', [osv, { date: FIXED }]],
    ['scanImageBytes', [image, snapshot, { name: 'fixture' }]],
    ['scanImagePath', [file, snapshot, { format: 'sarif', name: 'fixture' }]],
    ['scanSbom', [sbom, snapshot, { name: 'fixture' }]],
    ['entryTraceImageBytes', [image]],
    ['entryTraceImagePath', [file]],
  ]
  for (const [name, args] of pairs) {
    const sync = stella[name](...args)
    const async = await stella[`${name}Async`](...args)
    assert.ok(Buffer.isBuffer(sync) && Buffer.isBuffer(async), name)
    assert.ok(sync.length > 0, name)
    assert.ok(sync.equals(async), `${name}: async output differs`)
  }
  // The conformance outputs, through the Promise twins.
  assert.ok((await stella.sbomFromImageBytesAsync(image, {
    timestamp: FIXED, name: 'fixture', format: 'cyclonedx-json',
  })).length > 0)
  const policySync = stella.policyEvaluate(gateInput, { time: FIXED, actor: 'conformance' })
  const policyAsync = await stella.policyEvaluateAsync(gateInput, { time: FIXED, actor: 'conformance' })
  assert.deepEqual(policyAsync, policySync)
  assert.ok(policyAsync.record.equals(readFile('policy/decision-deny.json')))
  const runSync = stella.run()
  const runAsync = await stella.runAsync()
  assert.ok(runAsync.reportJson.equals(runSync.reportJson))
  assert.ok(runAsync.reportJson.equals(readFile('run/demo-report.json')))
  assert.deepEqual(runAsync.artifacts.map((a) => a.digest), runSync.artifacts.map((a) => a.digest))
})

test('async twins reject (never throw) with the error code', async () => {
  await rejectsCode(stella.sbomFromImageBytesAsync(Buffer.from('not a tar')), 'E_IO')
  await rejectsCode(stella.sbomFromImageBytesAsync(image, { format: 'xml' }), 'E_INVALID_ARGUMENT')
  await rejectsCode(stella.scanSbomAsync(Buffer.from('{}'), snapshot), 'E_PARSE')
  await rejectsCode(stella.policyEvaluateAsync(gateInput, {
    time: FIXED, bundleFiles: [{ name: 'bad.rego', bytes: readFile('policy/bad.rego') }],
  }), 'E_POLICY')
  await rejectsCode(stella.runAsync({ time: 'yesterday' }), 'E_INVALID_ARGUMENT')
  await rejectsCode(stella.dbBuildAsync([]), 'E_INVALID_ARGUMENT')
  await rejectsCode(stella.entryTraceImagePathAsync('/no/such/stella/image.tar'), 'E_IO')
})

test('async work leaves the JavaScript thread free', async () => {
  // Work done synchronously inside the call would settle the Promise before any macrotask
  // runs; work on the pool lets the event loop turn while it runs.
  let turns = 0
  let settled = false
  const promise = stella.runAsync().then((r) => {
    settled = true
    return r
  })
  while (!settled) {
    await new Promise((resolve) => setImmediate(resolve))
    turns++
  }
  assert.ok(turns >= 1, `${turns} event-loop turns while runAsync worked`)
  assert.equal((await promise).allow, true)
  // Several at once, all on the pool, all identical.
  const many = await Promise.all([1, 2, 3, 4].map(() => stella.sbomFromImageBytesAsync(image)))
  for (const out of many) assert.ok(out.equals(many[0]))
})

test('async inputs are copied: changing the buffer after the call changes nothing', async () => {
  const copy = Buffer.from(image)
  const promise = stella.sbomFromImageBytesAsync(copy, { timestamp: FIXED })
  copy.fill(0)
  const out = await promise
  assert.ok(out.equals(stella.sbomFromImageBytes(image, { timestamp: FIXED })))
})

test('outputs are deterministic', () => {
  const a = stella.run()
  const b = stella.run()
  assert.ok(a.reportJson.equals(b.reportJson))
  assert.equal(a.artifacts.length, b.artifacts.length)
  a.artifacts.forEach((art, i) => {
    assert.equal(art.digest, b.artifacts[i].digest)
    assert.ok(art.bytes.equals(b.artifacts[i].bytes))
    assert.equal(stella.digestOf(art.bytes), art.digest, 'each artifact is its digest')
  })
  const opts = { timestamp: FIXED }
  assert.ok(stella.sbomFromImageBytes(image, opts).equals(stella.sbomFromImageBytes(image, opts)))
  const key = [readFile('keys/ed25519-test.key.pem').toString()]
  assert.ok(stella.dsseSign(Buffer.from('x'), key).equals(stella.dsseSign(Buffer.from('x'), key)))
})

test('keys, DSSE and statements round-trip with plain objects', () => {
  for (const algorithm of ['ecdsa-p256', 'ed25519']) {
    const key = stella.generateKey({ algorithm })
    assert.equal(key.algorithm, algorithm)
    assert.match(key.privatePem, /^-----BEGIN PRIVATE KEY-----/)
    assert.equal(stella.importPrivateKey(key.privatePem).keyId, key.keyId)
    assert.deepEqual(stella.publicKeyFromPem(key.publicPem),
      { algorithm, publicPem: key.publicPem, keyId: key.keyId })
    const statement = stella.statementBuild({
      subjects: [{ name: 'app', digest: stella.digestOf(Buffer.from('app')) }],
      predicateType: 'https://example.com/p/v1',
      predicateJson: Buffer.from('{ "b": 1, "a": 2 }'),
    })
    const envelope = stella.dsseSign(statement, [key.privatePem])
    const verified = stella.dsseVerify(envelope, { publicKeysPem: [key.publicPem] })
    assert.ok(verified.payload.equals(statement))
    assert.deepEqual(verified.keyIds, [key.keyId])
    const parsed = stella.statementParse(verified.payload)
    assert.deepEqual(parsed.subjects, [{ name: 'app', digest: stella.digestOf(Buffer.from('app')) }])
    assert.equal(parsed.predicateJson.toString(), '{"a":2,"b":1}')
  }
  assert.equal(stella.generateKey().algorithm, 'ecdsa-p256', 'the default algorithm')
  // A Uint8Array that is not a Buffer is accepted as bytes.
  assert.equal(stella.digestOfHex(new Uint8Array([0x61, 0x62, 0x63])),
    'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
})

test('records: numbers, lists and buffers', () => {
  const proof = readFile('merkle/proof-3-of-7.json')
  const v = stella.merkleVerifyInclusion(readFile('merkle/leaf-3.txt'), proof)
  assert.deepEqual(Object.keys(v).sort(), ['leafHash', 'logIndex', 'rootHash', 'treeSize'])
  assert.equal(v.logIndex, 3)
  assert.equal(v.treeSize, 7)
  assert.equal(v.leafHash, stella.merkleLeafHash(readFile('merkle/leaf-3.txt')))
  const cp = stella.checkpointVerify(readFile('merkle/checkpoint.txt'), {
    trustedKeys: [{ name: 'stella.test/conformance-log', publicPem: readFile('keys/ed25519-test.pub.pem').toString() }],
  })
  assert.equal(cp.size, 7)
  assert.deepEqual(cp.signers, ['stella.test/conformance-log'])
  const merged = stella.vexMerge([readFile('vex/vendor.openvex.json'), readFile('vex/team.openvex.json')],
    { now: FIXED, allowUnsigned: true })
  assert.ok(Buffer.isBuffer(merged.document) && Buffer.isBuffer(merged.decisionsJson))
  assert.equal(typeof merged.explanation, 'string')
  const validation = stella.vexValidate(readFile('vex/team.openvex.json'), { now: FIXED })
  assert.equal(typeof validation.statements, 'number')
  throwsCode(() => stella.sigstoreBundleVerify(Buffer.from('{}')), 'E_INVALID_ARGUMENT')
  throwsCode(() => stella.sigstoreBundleVerify(Buffer.from('{}'), {
    publicKeysPem: [readFile('keys/ed25519-test.pub.pem').toString()],
    rekorKeysPem: [readFile('keys/ed25519-test.pub.pem').toString()],
  }), 'E_PARSE')
})

test('run keeps its artifacts in a store directory when asked', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stella-node-store-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  const r = stella.run({ storeDir: dir })
  for (const a of r.artifacts) {
    const blob = fs.readFileSync(path.join(dir, 'blobs', 'sha256', a.digest.slice('sha256:'.length)))
    assert.ok(blob.equals(a.bytes), a.kind)
  }
})
