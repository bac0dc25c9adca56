"""pyproject.toml declares its licence the way current setuptools expects (no warning at `make run`)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

PYPROJECT = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text(encoding="utf-8"))


def test_license_is_an_spdx_expression_and_the_build_backend_understands_it():
    assert PYPROJECT["project"]["license"] == "MIT"  # PEP 639: a plain SPDX string, not a {text=...} table
    assert not any(c.startswith("License ::") for c in PYPROJECT["project"].get("classifiers", []))
    setuptools = next(r for r in PYPROJECT["build-system"]["requires"] if r.startswith("setuptools"))
    lowest = re.search(r">=\s*(\d+)", setuptools)
    assert lowest is not None and int(lowest[1]) >= 77, setuptools  # SPDX strings are understood from 77 on
    assert "<" in setuptools  # an upper bound: a future major release cannot break `make run`
