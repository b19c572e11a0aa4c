#!/usr/bin/env python3
"""Checks every relative link in the repository's Markdown files (run by scripts/test-all.sh).

A link fails when it points at a file or directory that does not exist, or leaves the
repository (a `../` path above the root, an absolute path, a `file:` URL). Web links
(`http:`, `https:`, `mailto:`) and in-page anchors (`#...`) are not fetched. Checked: inline
links and images `[text](target)`, reference definitions `[name]: target`, and paths written as
code that start with `../` (the form the README once used for a design document outside it).

Files: every *.md that git tracks or would track (untracked but not ignored); outside a git
checkout, every *.md on disk except under `node_modules`, `target` and hidden directories.
Exit 0 when every link resolves, 1 otherwise, naming each broken link with its file and line.

Usage: scripts/check-doc-links.py [REPO_ROOT]   (default: this script's parent directory)
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote

INLINE = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$")
CODE_PATH = re.compile(r"`(\.\./[^`\s]+)`")
FENCE = re.compile(r"^\s*(```|~~~)")
EXTERNAL = ("http://", "https://", "mailto:")


def markdown_files(root: Path) -> list[Path]:
    try:
        out = subprocess.run(
            ["git", "-C", str(root), "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", "*.md"],
            check=True,
            capture_output=True,
        ).stdout
        return sorted(root / p for p in out.decode().split("\0") if p)
    except (OSError, subprocess.CalledProcessError):
        found = []
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = [
                d for d in dirnames if not d.startswith(".") and d not in ("node_modules", "target")
            ]
            found += [Path(dirpath) / f for f in filenames if f.endswith(".md")]
        return sorted(found)


def links(text: str):
    """(line number, target) of every link outside fenced code blocks."""
    in_fence = False
    for n, line in enumerate(text.splitlines(), 1):
        if FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        for m in INLINE.finditer(line):
            yield n, m.group(1)
        m = REFERENCE.match(line)
        if m:
            yield n, m.group(1)
        for m in CODE_PATH.finditer(line):
            yield n, m.group(1)


def problem(root: Path, md: Path, target: str) -> str | None:
    if target.startswith(EXTERNAL) or target.startswith("#"):
        return None
    if target.startswith("file:") or target.startswith("/"):
        return "absolute path or file: URL (leaves the repository)"
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", target):
        return None  # another URL scheme (e.g. a purl in prose): not a path
    path = unquote(target.split("#", 1)[0].split("?", 1)[0])
    if not path:
        return None
    resolved = (md.parent / path).resolve()
    if resolved != root and root not in resolved.parents:
        return "leaves the repository"
    if not resolved.exists():
        return "no such file or directory"
    return None


def main() -> int:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent).resolve()
    broken = 0
    files = markdown_files(root)
    for md in files:
        text = md.read_text(encoding="utf-8")
        for line, target in links(text):
            why = problem(root, md, target)
            if why:
                broken += 1
                print(f"{md.relative_to(root)}:{line}: {target}: {why}")
    print(f"doc links: {len(files)} Markdown files, {broken} broken link(s)")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
