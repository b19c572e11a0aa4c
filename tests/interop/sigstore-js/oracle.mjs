// Differential oracle: @sigstore/verify verifies sigstore-conformance bundle-verify cases.
// Usage: node oracle.mjs CASES_DIR DEFAULT_TRUSTED_ROOT [CASE]
// Prints one line per case (every case, or only CASE): `<case> ok|fail <reason>`; compared with
// Stella's answers by tests/interop/sigstore.sh, timed by benches/compare-sigstore.sh.
import { readFileSync, readdirSync, existsSync, statSync } from 'node:fs';
import { createHash, createPublicKey } from 'node:crypto';
import { join } from 'node:path';
import { Verifier, toSignedEntity, toTrustMaterial } from '@sigstore/verify';
import { bundleFromJSON } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';

const DEFAULT_IDENTITY = 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
const DEFAULT_ISSUER = 'https://token.actions.githubusercontent.com';
const [root, defaultTrust, only] = process.argv.slice(2);

function verifyCase(dir) {
  const trustPath = existsSync(join(dir, 'trusted_root.json')) ? join(dir, 'trusted_root.json') : defaultTrust;
  const trusted = TrustedRoot.fromJSON(JSON.parse(readFileSync(trustPath, 'utf8')));
  const bundle = bundleFromJSON(JSON.parse(readFileSync(join(dir, 'bundle.sigstore.json'), 'utf8')));
  const artifactPath = existsSync(join(dir, 'artifact')) ? join(dir, 'artifact') : join(root, 'a.txt');
  const artifact = readFileSync(artifactPath);
  let keys;
  let policy;
  if (existsSync(join(dir, 'key.pub'))) {
    const key = createPublicKey(readFileSync(join(dir, 'key.pub')));
    keys = () => ({ publicKey: key, validFor: () => true });
  } else {
    const read = (f, d) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8').trim() : d);
    policy = { subjectAlternativeName: read('identity', DEFAULT_IDENTITY), extensions: { issuer: read('issuer', DEFAULT_ISSUER) } };
  }
  const verifier = new Verifier(toTrustMaterial(trusted, keys), { tlogThreshold: 1, ctlogThreshold: keys ? 0 : 1, timestampThreshold: 1 });
  const isDsse = bundle.content.$case === 'dsseEnvelope';
  verifier.verify(toSignedEntity(bundle, isDsse ? undefined : artifact), policy);
  if (isDsse) {
    const stmt = JSON.parse(bundle.content.dsseEnvelope.payload.toString('utf8'));
    const digest = createHash('sha256').update(artifact).digest('hex');
    if (!(stmt.subject || []).some((s) => s.digest && s.digest.sha256 === digest)) {
      throw new Error('artifact is not a subject of the statement');
    }
  }
}

for (const name of readdirSync(join(root, 'bundle-verify')).sort()) {
  const dir = join(root, 'bundle-verify', name);
  if (!statSync(dir).isDirectory() || (only !== undefined && name !== only)) continue;
  try {
    verifyCase(dir);
    console.log(`${name} ok`);
  } catch (e) {
    console.log(`${name} fail ${e.name}: ${JSON.stringify(String(e.message).slice(0, 120))}`);
  }
}
