// The README's quick start, run verbatim (in a child process, from this package's folder, so
// `require('@stella-ops/core')` resolves to this package by self-reference).
'use strict'

const { test } = require('node:test')
const assert = require('node:assert/strict')
const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

/** The fenced js block after the `<!-- quick-start` marker. */
function quickStart() {
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8')
  const match = /<!-- quick-start[^>]*-->\n```js\n([\s\S]*?)\n```/.exec(readme)
  assert.ok(match, 'README.md has a quick-start block')
  return match[1]
}

test('the README quick start runs verbatim', () => {
  const code = quickStart()
  assert.ok(code.split('\n').length <= 20, 'a short quick start')
  const out = execFileSync(process.execPath, ['-e', code], {
    cwd: path.join(__dirname, '..'),
    encoding: 'utf8',
  })
  assert.match(out, /^allowed: true$/m)
  assert.match(out, /^decision-attestation sha256:[0-9a-f]{64}$/m)
  assert.match(out, /^signed subject: app$/m)
})

module.exports = { quickStart }
