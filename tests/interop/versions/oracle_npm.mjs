// The npm oracle of tests/interop/versions.sh: node-semver (npm's own version library, pinned
// in package.json), strict parsing as `semver.compare` does. stdin: `a<TAB>b<TAB>...` lines;
// stdout: `a<TAB>b<TAB>verdict`, the verdict `<`, `=`, `>`, or `!a`, `!b`, `!ab` for versions
// node-semver refuses.
import { readFileSync } from "node:fs";
import semver from "semver";

const out = [];
for (const line of readFileSync(0, "utf8").split("\n")) {
  const [a, b] = line.split("\t");
  if (b === undefined) continue;
  const va = semver.parse(a);
  const vb = semver.parse(b);
  let verdict;
  if (va && vb) {
    const c = semver.compare(va, vb);
    verdict = c < 0 ? "<" : c > 0 ? ">" : "=";
  } else {
    verdict = !va && !vb ? "!ab" : !va ? "!a" : "!b";
  }
  out.push(`${a}\t${b}\t${verdict}`);
}
process.stdout.write(out.join("\n") + (out.length ? "\n" : ""));
