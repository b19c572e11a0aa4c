// The ESM entry: `import` of the package name (self-reference through package.json "exports")
// re-exports every function of the CommonJS entry, and they work.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import * as esm from '@stella-ops/core'
import stellaDefault, { digestOf, runAsync, canonicalizeJson } from '@stella-ops/core'

const cjs = createRequire(import.meta.url)('@stella-ops/core')

test('ESM re-exports every function of the CommonJS entry', () => {
  const functions = Object.keys(cjs).filter((k) => typeof cjs[k] === 'function').sort()
  assert.ok(functions.length >= 38, `${functions.length} functions`)
  for (const name of functions) {
    assert.equal(esm[name], cjs[name], `ESM exports ${name}`)
  }
  assert.equal(stellaDefault, cjs)
})

test('ESM imports work', async () => {
  assert.equal(digestOf(Buffer.from('abc')),
    'sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
  assert.equal(canonicalizeJson(Buffer.from('{"b":1, "a":[1.0, 2e1]}')).toString(), '{"a":[1,20],"b":1}')
  assert.equal((await runAsync()).allow, true)
  assert.throws(() => canonicalizeJson(Buffer.from('{')), (e) => e.code === 'E_PARSE')
})
