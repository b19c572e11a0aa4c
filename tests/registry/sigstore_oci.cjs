// Attaches a Sigstore bundle to an image with npm `@sigstore/oci` (the package sigstore-js and
// GitHub's attest actions push bundles with): an OCI 1.1 artifact manifest with the image as
// subject, and, where the registry lacks the referrers API, its own update of the referrers tag
// schema's index (conditional on the ETag). Used by tests/registry/referrers.sh.
//
//   SIGSTORE_OCI_USER=U SIGSTORE_OCI_PASSWORD=P node sigstore_oci.cjs MODULE_DIR HOST/REPO IMAGE_DIGEST BUNDLE_FILE
//
// Prints the pushed artifact manifest's digest.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const [moduleDir, imageName, imageDigest, bundleFile] = process.argv.slice(2);
const { attachArtifactToImage } = require(path.join(moduleDir, 'node_modules', '@sigstore', 'oci'));

attachArtifactToImage({
  imageName,
  imageDigest,
  artifact: fs.readFileSync(bundleFile),
  mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
  annotations: { 'dev.sigstore.bundle.predicateType': 'https://slsa.dev/provenance/v1' },
  credentials: {
    username: process.env.SIGSTORE_OCI_USER || '',
    password: process.env.SIGSTORE_OCI_PASSWORD || '',
  },
})
  .then((d) => console.log(d.digest))
  .catch((e) => {
    console.error(e, e.cause);
    process.exit(1);
  });
