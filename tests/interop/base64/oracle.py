"""Base64 leniency oracle: what Go's encoding/base64 StdEncoding and Python's base64.b64decode
accept. Usage: oracle.py GO_RESULTS_JSON > oracle.json (run by oracle.sh)."""
import base64
import binascii
import json
import sys

go = json.load(open(sys.argv[1]))
out = []
for case in go:
    text = base64.b64decode(case["input_b64"]).decode("utf-8", "surrogateescape")
    try:
        py = base64.b64decode(text).hex()
    except (binascii.Error, ValueError):
        py = None
    out.append({"input": text, "go": case["go"], "python": py})
json.dump(out, sys.stdout, indent=1, ensure_ascii=False)
print()
