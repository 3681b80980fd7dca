"""transforms/ stays pure: no IO libraries, no project IO packages, no file access."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TRANSFORMS = Path(__file__).resolve().parents[2] / "transforms"
FORBIDDEN_MODULES = frozenset(
    {"prefect", "minio", "sqlalchemy", "pyiceberg", "great_expectations", "infra", "flows", "boto3"}
)
FILE_MODULES = frozenset({"pathlib", "io", "shutil", "os", "tempfile"})
# Calls that read or write files, by the name they are called with (open(...), Path.read_text(...), pl.read_csv(...)).
FORBIDDEN_CALLS = frozenset({"open", "Path"})
FORBIDDEN_ATTRIBUTE_PREFIXES = ("read_", "scan_", "write_", "sink_")
FORBIDDEN_ATTRIBUTES = frozenset({"open", "mkdir", "unlink", "rmdir", "touch", "iterdir"})


def _modules() -> list[Path]:
    return sorted(TRANSFORMS.glob("*.py"))


def _violations(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            names = []
        line = getattr(node, "lineno", 0)
        found += [f"line {line}: imports {n}" for n in names if n.split(".")[0] in FORBIDDEN_MODULES | FILE_MODULES]
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in FORBIDDEN_CALLS:
                found.append(f"line {node.lineno}: calls {func.id}()")
            if isinstance(func, ast.Attribute) and (
                func.attr.startswith(FORBIDDEN_ATTRIBUTE_PREFIXES) or func.attr in FORBIDDEN_ATTRIBUTES
            ):
                found.append(f"line {node.lineno}: calls .{func.attr}()")
    return found


def test_transforms_package_is_found() -> None:
    assert TRANSFORMS / "__init__.py" in _modules()


@pytest.mark.parametrize("module", _modules(), ids=lambda path: path.name)
def test_transform_module_is_pure(module: Path) -> None:
    assert _violations(module.read_text(encoding="utf-8")) == [], f"{module.name} must stay pure (STYLE.md)"


@pytest.mark.parametrize(
    "source",
    [
        "import prefect",
        "from sqlalchemy.orm import Session",
        "from infra.storage import Storage",
        "import flows.cli",
        "import boto3",
        "from pathlib import Path",
        "data = open('x.csv').read()",
        "import polars as pl\nframe = pl.read_csv('x.csv')",
        "frame.write_parquet('out.parquet')",
        "lazy = pl.scan_parquet('x')",
    ],
)
def test_check_catches_impure_source(source: str) -> None:
    assert _violations(source) != []


def test_check_accepts_pure_source() -> None:
    assert _violations("from __future__ import annotations\nimport polars as pl\nfrom schemas import FLOWS\n") == []
