"""Runs the typed usage program that test.sh also checks with `mypy --strict`."""

from conftest import VECTORS
from typed_usage import main


def test_typed_usage_program_runs() -> None:
    main(VECTORS)
