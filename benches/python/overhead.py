"""Per-call cost of the Python binding against the same calls in Rust.

Measures, with the installed `stella_ops` (build it in release: `pip install ./bindings/python`):
- `digest_of(32 bytes)`: the binding's per-call overhead (the Rust work is ~0.1 µs);
- `sbom_from_image_bytes(fixture image)`: a large call (the conformance fixture image);
- `run()`: the whole demo pipeline.

The Rust numbers come from `cargo bench -p stella-ops-python --bench digest` (the same
`stella-bindings-api` calls, criterion). Give them as `--rust-ns digest=…,sbom=…,run=…` to
print the ratios. Each Python number is the best of several repeats of a timed loop (the
machine is shared: the best run is the least disturbed one).

    python benches/python/overhead.py [--rust-ns digest=95,sbom=1850000,run=14000000]
"""

from __future__ import annotations

import argparse
import hashlib
import time
import timeit
from pathlib import Path
from typing import Callable

import stella_ops

ROOT = Path(__file__).resolve().parents[2]
IMAGE = ROOT / "tests" / "vectors" / "conformance" / "image" / "image.tar"


def best_ns(call: Callable[[], object], number: int, repeat: int) -> float:
    """The best per-call time in nanoseconds over `repeat` loops of `number` calls."""
    return min(timeit.repeat(call, number=number, repeat=repeat)) / number * 1e9


def calibrated(call: Callable[[], object], seconds: float = 0.2) -> int:
    """How many calls take about `seconds`."""
    n = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            call()
        if time.perf_counter() - t0 >= seconds:
            return n
        n *= 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rust-ns", default="", help="digest=NS,sbom=NS,run=NS from cargo bench")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    rust = {k: float(v) for k, v in (p.split("=") for p in args.rust_ns.split(",") if p)}

    small = bytes([7]) * 32
    image = IMAGE.read_bytes()
    stamp = "2024-06-01T00:00:00Z"
    calls: dict[str, Callable[[], object]] = {
        "digest": lambda: stella_ops.digest_of(small),
        "sbom": lambda: stella_ops.sbom_from_image_bytes(image, timestamp=stamp),
        "run": lambda: stella_ops.run(),
    }
    baselines: dict[str, Callable[[], object]] = {
        "hashlib sha256 32B (reference)": lambda: "sha256:" + hashlib.sha256(small).hexdigest(),
        "empty Python call (reference)": lambda: None,
    }
    print(f"{'call':<34} {'python':>14} {'rust':>14} {'py - rust':>12} {'py / rust':>10}")
    for name, call in calls.items():
        ns = best_ns(call, calibrated(call), args.repeat)
        line = f"{name:<34} {ns:>11.1f} ns"
        if name in rust:
            r = rust[name]
            line += f" {r:>11.1f} ns {ns - r:>9.1f} ns {ns / r:>9.3f}x"
        print(line)
    for name, call in baselines.items():
        ns = best_ns(call, calibrated(call), args.repeat)
        print(f"{name:<34} {ns:>11.1f} ns")


if __name__ == "__main__":
    main()
