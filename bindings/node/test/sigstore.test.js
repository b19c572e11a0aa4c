// Every sigstore-conformance bundle-verify case (tests/vectors/sigstore/conformance, 70 cases)
// through `sigstoreBundleVerify`: a case named `*_fail` must throw, every other case must
// verify, keyless ones with the suite's identity and issuer, managed-key ones with the case's
// key. The Rust API, Python and Swift (FFI) suites run the same cases.
'use strict'

const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const stella = require('..')

const SUITE = path.join(__dirname, '..', '..', '..', 'tests', 'vectors', 'sigstore', 'conformance')
const DEFAULT_IDENTITY = 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main'
const DEFAULT_ISSUER = 'https://token.actions.githubusercontent.com'
const cases = fs.readdirSync(path.join(SUITE, 'bundle-verify'))
  .filter((name) => fs.statSync(path.join(SUITE, 'bundle-verify', name)).isDirectory())
  .sort()

function verifyCase (name) {
  const dir = path.join(SUITE, 'bundle-verify', name)
  const has = (f) => fs.existsSync(path.join(dir, f))
  const read = (f) => fs.readFileSync(path.join(dir, f))
  const artifact = has('artifact') ? read('artifact') : fs.readFileSync(path.join(SUITE, 'a.txt'))
  const options = {
    trustedRootJson: has('trusted_root.json') ? read('trusted_root.json') : fs.readFileSync(path.join(SUITE, 'production.trusted_root.json'))
  }
  options.artifact = artifact
  if (has('key.pub')) {
    options.publicKeysPem = [read('key.pub').toString()]
  } else {
    options.certificateIdentity = has('identity') ? read('identity').toString().trim() : DEFAULT_IDENTITY
    options.certificateOidcIssuer = has('issuer') ? read('issuer').toString().trim() : DEFAULT_ISSUER
  }
  return stella.sigstoreBundleVerify(read('bundle.sigstore.json'), options)
}

test('the whole suite is here', () => {
  assert.equal(cases.length, 70)
})

for (const name of cases) {
  test(`conformance ${name}`, () => {
    if (name.endsWith('_fail')) {
      assert.throws(() => verifyCase(name), (e) => typeof e.code === 'string' && e.code.startsWith('E_'))
    } else {
      const verified = verifyCase(name)
      assert.ok(verified.signingTimes.length > 0, 'a verified signing time')
      if (fs.existsSync(path.join(SUITE, 'bundle-verify', name, 'key.pub'))) {
        assert.ok(verified.keyId.length > 0)
        assert.equal(verified.signerIdentity, '')
      } else {
        assert.ok(verified.signerIdentity.length > 0 && verified.signerIssuer.length > 0)
        assert.equal(verified.keyId, '')
      }
    }
  })
}

test('a keyless bundle without an identity policy is refused', () => {
  const dir = path.join(SUITE, 'bundle-verify', 'happy-path-v0.3')
  assert.throws(() => stella.sigstoreBundleVerify(fs.readFileSync(path.join(dir, 'bundle.sigstore.json')), {
    trustedRootJson: fs.readFileSync(path.join(SUITE, 'production.trusted_root.json')),
    artifact: fs.readFileSync(path.join(SUITE, 'a.txt'))
  }), (e) => e.code === 'E_INVALID_ARGUMENT')
})

test('the verified identity is returned', () => {
  const verified = verifyCase('happy-path-v0.3')
  assert.equal(verified.signerIdentity, DEFAULT_IDENTITY)
  assert.equal(verified.signerIssuer, DEFAULT_ISSUER)
})
