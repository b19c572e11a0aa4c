// Every case of the shared conformance vectors through the Node binding: outputs byte-equal to
// the expected files, errors with the expected `code`.
'use strict'

const { test } = require('node:test')
const assert = require('node:assert/strict')
const stella = require('..')
const { args, camel, cases, outputBytes, readFile } = require('./vectors')

const all = cases()

test('the manifest has every case the Rust runner has (at least 40)', () => {
  assert.ok(all.length >= 40, `${all.length} cases`)
  assert.equal(new Set(all.map((c) => c.name)).size, all.length, 'case names are unique')
})

for (const c of all) {
  test(`conformance ${c.name}`, () => {
    const fn = stella[camel(c.op)]
    assert.equal(typeof fn, 'function', `the binding exports ${camel(c.op)}`)
    const call = () => fn(...args(c.op, c.args))
    if (c.expect_error !== undefined) {
      assert.throws(call, (e) => {
        assert.ok(e instanceof Error, 'an Error')
        assert.equal(e.code, c.expect_error, e.message)
        return true
      })
    } else {
      const out = outputBytes(call(), c.field)
      const expected = readFile(c.expected)
      assert.ok(out.equals(expected), `${c.name}: output differs from ${c.expected}\n` +
        `got ${out.length} bytes: ${out.toString('utf8').slice(0, 200)}`)
    }
  })
}
