"""Shared fixtures: the conformance vectors directory (tests/vectors/conformance at the
repository root) and readers of its files."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
VECTORS = REPO / "tests" / "vectors" / "conformance"


def vector(name: str) -> bytes:
    """The bytes of a file of the conformance vectors."""
    return (VECTORS / name).read_bytes()


@pytest.fixture(scope="session")
def image_tar() -> bytes:
    return vector("image/image.tar")


@pytest.fixture(scope="session")
def snapshot() -> bytes:
    return vector("db/snapshot.db")
