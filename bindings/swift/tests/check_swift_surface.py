"""Checks that the generated Swift exposes the whole API surface.

Usage: python3 check_swift_surface.py STELLAOPS_SWIFT REPO_ROOT

Every `pub fn` of bindings/api/src/lib.rs and host.rs must be a `public func <lowerCamelName>(`
of the generated Swift, and every `ErrorKind` variant of bindings/api/src/error.rs a case of the
`StellaError` enum with a message. So a new API function or error kind without a Swift export
fails this check. Every foreign trait of bindings/swift/src/host.rs must be a `public protocol`
with each of its methods (throwing `HostError`, a public enum with its three cases), and the
Swift must register its callback vtable with the library. Prints 'N passed, N failed'; exits non-zero on any failure.
"""

import os
import re
import sys

swift_path, root = sys.argv[1], sys.argv[2]
with open(swift_path, encoding="utf-8") as f:
    swift = f.read()
functions = set()
for source in ("lib.rs", "host.rs"):
    with open(os.path.join(root, "bindings", "api", "src", source), encoding="utf-8") as f:
        functions.update(re.findall(r"^pub fn (\w+)", f.read(), re.M))
functions = sorted(functions)
# The foreign traits (host storage and image source) and their methods, from the binding.
with open(os.path.join(root, "bindings", "swift", "src", "host.rs"), encoding="utf-8") as f:
    host = f.read()
traits = {
    name: re.findall(r"^\s+fn (\w+)\(&self", body, re.M)
    for name, body in re.findall(
        r"#\[uniffi::export\(with_foreign\)\]\npub trait (\w+): Send \+ Sync \{(.*?)\n\}", host, re.S)
}
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

if sorted(traits) != ["HostBlobStore", "HostImageSource"]:
    failures.append(f"expected the foreign traits HostBlobStore and HostImageSource, found {traits}")
for trait, methods in traits.items():
    protocol = re.search(rf"^public protocol {trait}: AnyObject, Sendable \{{(.*?)^\}}", swift, re.M | re.S)
    if not protocol:
        failures.append(f"foreign trait {trait} has no `public protocol {trait}` in the Swift")
        continue
    for method in methods:
        if not re.search(rf"^\s+func {lower_camel(method)}\(.*\) throws ", protocol.group(1), re.M):
            failures.append(f"protocol {trait} has no throwing `func {lower_camel(method)}(`")
    vtable = f"uniffi_stella_ops_swift_fn_init_callback_vtable_{trait.lower()}"
    if not re.search(rf"^\s+{vtable}\(\w+\.vtablePtr\)", swift, re.M):
        failures.append(f"the Swift does not register the {trait} vtable ({vtable})")
host_error = re.search(r"^public\s+enum HostError: Swift\.Error\b(.*?)^\}", swift, re.M | re.S)
for case in ("NotFound", "Io", "Failed"):
    if not host_error or not re.search(rf"^\s+case {case}\(\s*(/\*\*.*?\*/)?\s*message: String\s*\)",
                                        host_error.group(1), re.M | re.S):
        failures.append(f"no `case {case}(message: String)` in a public HostError")

for f in failures:
    print("FAIL", f)
checked = len(functions) + len(kinds) + sum(len(m) + 2 for m in traits.values()) + 3
print(f"swift surface: {len(functions)} functions, {len(kinds)} error cases, "
      f"{len(traits)} host protocols")
print(f"{max(checked - len(failures), 0)} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
