// Reads the shared conformance vectors (tests/vectors/conformance, see its README) and calls
// the binding the way the Rust runner (bindings/api/tests/conformance.rs) calls the API.
'use strict'

const fs = require('node:fs')
const path = require('node:path')

const DIR = path.join(__dirname, '..', '..', '..', 'tests', 'vectors', 'conformance')

/** Option fields (snake_case, as in cases.json) and NamedBytes fields that hold bytes. */
const BYTES_FIELDS = new Set(['predicate_json', 'bytes', 'trusted_root_json', 'artifact', 'snapshot', 'vex'])

/** Positional parameters of each op (the README's table); each is bytes or text. */
const PARAMS = {
  canonicalize_json: [['json', 'bytes']],
  digest_of: [['bytes', 'bytes']],
  digest_of_hex: [['bytes', 'bytes']],
  merkle_leaf_hash: [['data', 'bytes']],
  import_private_key: [['pem', 'text']],
  public_key_from_pem: [['pem', 'text']],
  dsse_sign: [['payload', 'bytes'], ['private_keys_pem', 'text']],
  dsse_verify: [['envelope', 'bytes']],
  statement_build: [],
  statement_parse: [['bytes', 'bytes']],
  sbom_from_image_bytes: [['archive', 'bytes']],
  sbom_from_image_path: [['path', 'text']],
  db_build: [['documents', 'named']],
  scan_image_bytes: [['archive', 'bytes'], ['snapshot', 'bytes']],
  scan_image_path: [['path', 'text'], ['snapshot', 'bytes']],
  scan_sbom: [['sbom', 'bytes'], ['snapshot', 'bytes']],
  entry_trace_image_bytes: [['archive', 'bytes']],
  entry_trace_image_path: [['path', 'text']],
  vex_validate: [['document', 'bytes']],
  vex_merge: [['documents', 'bytes']],
  vex_apply: [['findings', 'bytes'], ['documents', 'bytes']],
  vex_generate: [['findings', 'bytes']],
  policy_evaluate: [['input_json', 'bytes']],
  merkle_verify_inclusion: [['leaf_data', 'bytes'], ['proof_json', 'bytes']],
  checkpoint_verify: [['note', 'bytes']],
  sigstore_bundle_verify: [['bundle', 'bytes']],
  run: [],
  force_panic_for_tests: [],
}

/** Ops whose JS function takes an options object last. */
const NO_OPTIONS = new Set([
  'canonicalize_json', 'digest_of', 'digest_of_hex', 'merkle_leaf_hash', 'import_private_key',
  'public_key_from_pem', 'statement_parse', 'merkle_verify_inclusion', 'force_panic_for_tests',
])

const camel = (name) => name.replace(/_([a-z])/g, (_, c) => c.toUpperCase())

function readFile(rel) {
  return fs.readFileSync(path.join(DIR, rel))
}

/** A value as bytes or text: `{"file": p}` is the file, a string its UTF-8. */
function value(v, kind) {
  if (Array.isArray(v)) return v.map((item) => value(item, kind))
  if (kind === 'named') return { name: v.name, bytes: value(v.bytes, 'bytes') }
  const isFile = v !== null && typeof v === 'object' && Object.keys(v).length === 1 && 'file' in v
  if (kind === 'bytes') {
    if (isFile) return readFile(v.file)
    if (typeof v === 'string') return Buffer.from(v, 'utf8')
    throw new Error(`not a bytes argument: ${JSON.stringify(v)}`)
  }
  if (isFile) return readFile(v.file).toString('utf8')
  return v
}

/** The options object: camelCase keys, files read as bytes or text by field. */
function options(o) {
  const out = {}
  for (const [key, v] of Object.entries(o)) {
    if (key === 'documents' || key === 'bundle_files') {
      out[camel(key)] = value(v, 'named')
    } else if (key === 'subjects') {
      out.subjects = v.map((s) => ({ name: value(s.name, 'text'), digest: value(s.digest, 'text') }))
    } else if (key === 'trusted_keys') {
      out.trustedKeys = v.map((k) => ({ name: value(k.name, 'text'), publicPem: value(k.public_pem, 'text') }))
    } else if (typeof v === 'number' || typeof v === 'boolean') {
      out[camel(key)] = v
    } else {
      out[camel(key)] = value(v, BYTES_FIELDS.has(key) ? 'bytes' : 'text')
    }
  }
  return out
}

/** The JS arguments of a case, positional, then the options object where the op has one. */
function args(op, a) {
  const params = PARAMS[op]
  if (!params) throw new Error(`unknown op ${op}`)
  const list = params.map(([name, kind]) => value(a[name], kind))
  if (!NO_OPTIONS.has(op)) list.push(a.options === undefined ? undefined : options(a.options))
  return list
}

/** A result (or one field of it) as the bytes the expected file holds (README "Output bytes"). */
function outputBytes(result, field) {
  let v = result
  if (field !== undefined) {
    if (result === null || typeof result !== 'object' || Buffer.isBuffer(result)) {
      throw new Error(`field ${field} asked of a non-record result`)
    }
    const key = camel(field)
    if (!(key in result)) throw new Error(`no field ${key}`)
    v = result[key]
    if (field === 'subjects') v = v.map((s) => `${s.name} ${s.digest}`)
  }
  if (Buffer.isBuffer(v)) return v
  if (typeof v === 'string') return Buffer.from(v, 'utf8')
  if (typeof v === 'number' || typeof v === 'boolean') return Buffer.from(String(v), 'utf8')
  if (Array.isArray(v)) return Buffer.from(v.join('\n'), 'utf8')
  throw new Error(`cannot compare ${typeof v}`)
}

function cases() {
  return JSON.parse(readFile('cases.json').toString('utf8'))
}

module.exports = { DIR, args, camel, cases, outputBytes, readFile }
