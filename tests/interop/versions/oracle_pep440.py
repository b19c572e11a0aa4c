"""The PyPI oracle of tests/interop/versions.sh: `packaging.version.Version` (PEP 440, the
PyPA's reference implementation). stdin: `a<TAB>b<TAB>...` lines; stdout: `a<TAB>b<TAB>verdict`,
the verdict `<`, `=`, `>`, or `!a`, `!b`, `!ab` for versions packaging refuses."""

import sys

from packaging.version import InvalidVersion, Version


def parse(text):
    try:
        return Version(text)
    except InvalidVersion:
        return None


for line in sys.stdin:
    a, b = line.rstrip("\n").split("\t")[:2]
    va, vb = parse(a), parse(b)
    if va is not None and vb is not None:
        verdict = "<" if va < vb else ">" if va > vb else "="
    else:
        verdict = "!ab" if va is None and vb is None else "!a" if va is None else "!b"
    sys.stdout.write(f"{a}\t{b}\t{verdict}\n")
