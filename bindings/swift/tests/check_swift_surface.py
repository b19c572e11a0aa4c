"""Checks that the generated Swift exposes the whole API surface.

Usage: python3 check_swift_surface.py STELLAOPS_SWIFT REPO_ROOT

Every `pub fn` of bindings/api/src/lib.rs must be a `public func <lowerCamelName>(` of the
generated Swift, and every `ErrorKind` variant of bindings/api/src/error.rs a case of the
`StellaError` enum with a message. So a new API function or error kind without a Swift export
fails this check. Prints 'N passed, N failed'; exits non-zero on any failure.
"""

import os
import re
import sys

swift_path, root = sys.argv[1], sys.argv[2]
with open(swift_path, encoding="utf-8") as f:
    swift = f.read()
with open(os.path.join(root, "bindings", "api", "src", "lib.rs"), encoding="utf-8") as f:
    functions = sorted(set(re.findall(r"^pub fn (\w+)", f.read(), re.M)))
with open(os.path.join(root, "bindings", "api", "src", "error.rs"), encoding="utf-8") as f:
    body = re.search(r"pub enum ErrorKind \{(.*?)\n\}", f.read(), re.S)
kinds = re.findall(r"^\s+(\w+),\s*$", body.group(1), re.M) if body else []


def lower_camel(name):
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


failures = []
if len(functions) < 29:
    failures.append(f"found only {len(functions)} API functions: {functions}")
if len(kinds) != 8:
    failures.append(f"expected the 8 ErrorKind variants, found {kinds}")
for fn in functions:
    if not re.search(rf"^public func {lower_camel(fn)}\(", swift, re.M):
        failures.append(f"API function {fn} has no Swift `public func {lower_camel(fn)}(`")
enum = re.search(r"^enum StellaError: Swift\.Error\b(.*?)^\}", swift, re.M | re.S)
if not enum:
    failures.append("no `enum StellaError: Swift.Error` in the generated Swift")
else:
    for kind in kinds:
        if not re.search(rf"^\s+case {kind}\(\s*(/\*\*.*?\*/)?\s*message: String\s*\)", enum.group(1), re.M | re.S):
            failures.append(f"ErrorKind::{kind} has no `case {kind}(message: String)` in StellaError")
    if not re.search(r"public func code\(\) -> String", enum.group(1)):
        failures.append("StellaError has no code()")

for f in failures:
    print("FAIL", f)
checked = len(functions) + len(kinds)
print(f"swift surface: {len(functions)} functions, {len(kinds)} error cases")
print(f"{max(checked - len(failures), 0)} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
