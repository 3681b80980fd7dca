"""The README's "Reading the tables from BI tools" blocks, run as written against real MinIO and PostgreSQL.

The blocks are the ones after a `<!-- bi-example NAME: … -->` marker in that section: `access` (the `junkan
bi-access` commands, run through the CLI), and for DuckDB and for pyiceberg/Polars a `pip install` line and a
Python block. Each Python block runs in a fresh interpreter that can import only what its install line brings
(every other installed distribution, and this project, is refused), with nothing but the BI credentials in its
environment; only the ports of `make services` are swapped for this test's servers. An S3 client that left the
README's endpoint would meet a dead local endpoint and proxy, never a public host.
"""

from __future__ import annotations

import ast
import json
import os
import re
import secrets
import shlex
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import distribution, packages_distributions, version
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from flows import cli
from infra.devservers.loopback import free_port
from tests.bi_sample import publish_sample_on_s3, shown_secrets
from tests.integration.conftest import MinioServer

pytestmark = pytest.mark.integration

README = Path(__file__).resolve().parents[2] / "README.md"
SECTION = "## Reading the tables from BI tools"
_BLOCK = re.compile(
    r"^<!-- bi-example (?P<name>[a-z-]+):[^\n]*-->\n```(?P<language>[a-z]+)\n(?P<body>.*?)^```$",
    re.MULTILINE | re.DOTALL,
)
EXPECTED_BLOCKS = {
    "access": "sh",
    "duckdb-install": "sh",
    "duckdb": "python",
    "pyiceberg-install": "sh",
    "pyiceberg": "python",
}
# What the README's blocks name (the defaults of `make services`), swapped for this test's servers.
MAKE_SERVICES_CATALOG = "127.0.0.1:55432/junkan"
MAKE_SERVICES_MINIO = "127.0.0.1:9000"
# This project's own packages: a BI tool has none of them.
PROJECT_PACKAGES = frozenset({"flows", "infra", "schemas", "transforms", "expectations", "tests", "benchmarks"})
BLOCK_TIMEOUT_S = 600

# Runs in the fresh interpreter: refuses the imports a BI tool's environment would not have, runs the block
# (compiled with README.md's line numbers, so a traceback points at the README), then the test's probe.
_RUNNER = """
import importlib.abc
import json
import sys

readme, block_file, refused_file, probe_file, result_file = sys.argv[1:]
refused = frozenset(json.loads(open(refused_file, encoding="utf-8").read()))


class NotInstalled(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if fullname.partition(".")[0] in refused:
            msg = f"No module named {fullname!r} (the README's pip install line does not install it)"
            raise ModuleNotFoundError(msg, name=fullname)
        return None


sys.meta_path.insert(0, NotInstalled())
namespace = {"__name__": "__main__"}
exec(compile(open(block_file, encoding="utf-8").read(), readme, "exec"), namespace)
exec(compile(open(probe_file, encoding="utf-8").read(), "<probe>", "exec"), namespace)
open(result_file, "w", encoding="utf-8").write(json.dumps(namespace["result"]))
"""


@dataclass(frozen=True)
class Block:
    """A fenced block of the README's BI section; `line` is the README line of its first line of code."""

    name: str
    language: str
    body: str
    line: int


@dataclass(frozen=True)
class Reader:
    """The BI reader the README's access block made, on this test's servers."""

    catalog: str  # host:port/database, as the README's blocks write it
    endpoint: str
    db_password: str
    s3_secret: str
    created: str  # what `junkan bi-access create` printed


def readme_blocks() -> dict[str, Block]:
    """The marked blocks of the BI section, by name."""
    text = README.read_text(encoding="utf-8")
    start = text.index(SECTION)
    end = text.find("\n## ", start + len(SECTION))
    blocks: dict[str, Block] = {}
    for found in _BLOCK.finditer(text, start, end if end != -1 else len(text)):
        name = found["name"]
        assert name not in blocks, f"two <!-- bi-example {name} blocks in the README's BI section"
        line = text.count("\n", 0, found.start("body")) + 1
        blocks[name] = Block(name, found["language"], found["body"], line)
    return blocks


@pytest.fixture(scope="module")
def blocks() -> dict[str, Block]:
    return readme_blocks()


def shell_commands(block: Block) -> list[list[str]]:
    """The block's commands as argument lists (comments and blank lines dropped)."""
    return [words for line in block.body.splitlines() if (words := shlex.split(line, comments=True))]


def pip_requirements(block: Block) -> list[Requirement]:
    """What the block's `pip install` lines install."""
    commands = shell_commands(block)
    assert commands, f"README.md:{block.line}: no pip install line"
    for words in commands:
        assert words[:2] == ["pip", "install"], f"README.md:{block.line}: not a pip install line: {shlex.join(words)}"
        assert not any(word.startswith("-") for word in words[2:]), f"README.md:{block.line}: options in {words}"
    return [Requirement(word) for words in commands for word in words[2:]]


def installed_with(requirements: list[Requirement]) -> set[str]:
    """Every distribution `pip install` of the requirements brings, by their installed metadata here."""
    names: set[str] = set()
    seen: set[tuple[str, frozenset[str]]] = set()
    pending = list(requirements)
    while pending:
        requirement = pending.pop()
        key = (canonicalize_name(requirement.name), frozenset(requirement.extras))
        if key in seen:
            continue
        seen.add(key)
        names.add(key[0])
        extras = {"", *requirement.extras}
        for text in distribution(key[0]).requires or []:
            dependency = Requirement(text)
            if dependency.marker is None or any(dependency.marker.evaluate({"extra": extra}) for extra in extras):
                pending.append(dependency)
    return names


def refused_modules(requirements: list[Requirement]) -> set[str]:
    """Top-level modules installed here that an environment with only these requirements would not have."""
    allowed = installed_with(requirements)
    installed = packages_distributions()
    foreign = {
        module
        for module, distributions in installed.items()
        if not any(canonicalize_name(name) in allowed for name in distributions)
    }
    return foreign | PROJECT_PACKAGES


def check_polars_reads_through_pyiceberg(block: Block) -> int:
    """How many `scan_iceberg` calls the block makes; each must pass reader_override="pyiceberg"."""
    calls = [
        node
        for node in ast.walk(ast.parse(block.body))
        if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None)) == "scan_iceberg"
    ]
    for call in calls:
        given = {keyword.arg: keyword.value for keyword in call.keywords}
        override = given.get("reader_override")
        # Polars' own reader ignores the s3.* properties and calls the public AWS host: never run such a block.
        assert isinstance(override, ast.Constant), f"README.md:{block.line + call.lineno - 1}: no reader_override"
        assert override.value == "pyiceberg", f"README.md:{block.line + call.lineno - 1}: reader_override={override}"
    return len(calls)


def pointed_at(block: Block, reader: Reader) -> str:
    """The block with the `make services` addresses swapped for this test's servers, and nothing else changed."""
    body = block.body
    for written, ours in ((MAKE_SERVICES_CATALOG, reader.catalog), (MAKE_SERVICES_MINIO, reader.endpoint)):
        assert written in body, f"README.md:{block.line}: the {block.name} block no longer names {written}"
        body = body.replace(written, ours)
    return body


def run_block(
    block: Block, *, code: str, install: Block, probe: str, env: dict[str, str], work: Path
) -> tuple[Any, str]:
    """Run `code` (the block) and then `probe` in a fresh interpreter; the probe's `result` and the block's output."""
    if check_polars_reads_through_pyiceberg(block) and "s3.endpoint" not in code:
        pytest.fail(f"README.md:{block.line}: the {block.name} block reads with Polars but sets no s3.endpoint")
    files = {
        "runner.py": _RUNNER,
        # Blank lines first, so the code keeps its README line numbers in a traceback.
        "block.py": "\n" * (block.line - 1) + code,
        "refused.json": json.dumps(sorted(refused_modules(pip_requirements(install)))),
        "probe.py": probe,
    }
    for name, text in files.items():
        (work / name).write_text(text, encoding="utf-8")
    done = subprocess.run(  # noqa: S603 - this interpreter, our own runner
        [
            sys.executable,
            "-I",
            str(work / "runner.py"),
            str(README),
            *(str(work / name) for name in ("block.py", "refused.json", "probe.py", "result.json")),
        ],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=BLOCK_TIMEOUT_S,
        check=False,
    )
    assert done.returncode == 0, f"the README's {block.name} block (README.md:{block.line}) failed:\n{done.stderr}"
    return json.loads((work / "result.json").read_text(encoding="utf-8")), done.stdout


def block_env(reader: Reader, home: Path) -> dict[str, str]:
    """A BI tool's environment: the two secrets the README names, and S3 fallbacks that lead nowhere."""
    nowhere = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    proxies = {name: nowhere for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy")}
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "JUNKAN_BI_DB_PASSWORD": reader.db_password,
        "JUNKAN_BI_S3_SECRET": reader.s3_secret,
        # A client that ignored the README's endpoint would find AWS's through these; they point at nothing.
        "AWS_ENDPOINT_URL": nowhere,
        "AWS_ENDPOINT_URL_S3": nowhere,
        "AWS_EC2_METADATA_DISABLED": "true",
        **proxies,
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    }


def access_command(blocks: dict[str, Block], action: str) -> list[str]:
    """The access block's `junkan bi-access ACTION …` as CLI arguments."""
    commands = {words[2]: words for words in shell_commands(blocks["access"]) if words[:2] == ["junkan", "bi-access"]}
    assert action in commands, f"README.md:{blocks['access'].line}: no `junkan bi-access {action}` line"
    return commands[action][1:]


@pytest.fixture(scope="module")
def reader(
    blocks: dict[str, Block],
    minio_server: MinioServer,
    module_database_url: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Reader]:
    """A published sample, then the README's `junkan bi-access create`; its `revoke` at the end."""
    bucket = f"readme-{secrets.token_hex(5)}"
    publish_sample_on_s3(
        catalog_url=module_database_url,
        bucket=bucket,
        endpoint=minio_server.endpoint,
        access_key=minio_server.access_key,
        secret_key=minio_server.secret_key,
    )
    env = {
        "JUNKAN_HOME": str(tmp_path_factory.mktemp("readme-home")),
        "JUNKAN_STORAGE_URL": f"s3://{bucket}",
        "JUNKAN_S3_ENDPOINT": minio_server.endpoint,
        "JUNKAN_S3_ACCESS_KEY": minio_server.access_key,
        "JUNKAN_S3_SECRET_KEY": minio_server.secret_key,
        "JUNKAN_DATABASE_URL": module_database_url,
    }
    created = CliRunner().invoke(cli.app, access_command(blocks, "create"), env=env)
    assert created.exit_code == 0, created.output
    db_password, s3_secret = shown_secrets(created.output)
    url = make_url(module_database_url)
    yield Reader(f"{url.host}:{url.port}/{url.database}", minio_server.endpoint, db_password, s3_secret, created.output)
    revoked = CliRunner().invoke(cli.app, access_command(blocks, "revoke"), env=env)
    assert revoked.exit_code == 0, revoked.output
    assert "database role: dropped" in revoked.output
    assert "MinIO user: removed" in revoked.output


def test_the_bi_section_marks_the_blocks_this_test_runs(blocks: dict[str, Block]) -> None:
    assert {name: block.language for name, block in blocks.items()} == EXPECTED_BLOCKS


def test_the_install_lines_pin_what_this_project_is_tested_with(blocks: dict[str, Block]) -> None:
    for name in ("duckdb-install", "pyiceberg-install"):
        for requirement in pip_requirements(blocks[name]):
            pins = [spec for spec in requirement.specifier if spec.operator == "=="]
            assert len(pins) == 1, f"README.md:{blocks[name].line}: {requirement} is not pinned with =="
            installed = version(requirement.name)  # the version uv.lock installs here
            assert installed in requirement.specifier, f"{requirement}: uv.lock installs {installed}"


def test_the_pyiceberg_install_line_brings_psycopg_3_not_psycopg2(blocks: dict[str, Block]) -> None:
    installed = installed_with(pip_requirements(blocks["pyiceberg-install"]))
    assert {"pyiceberg", "pyarrow", "sqlalchemy", "psycopg", "psycopg-binary", "polars"} <= installed
    assert "psycopg2-binary" not in installed
    assert "postgresql+psycopg://" in blocks["pyiceberg"].body


def test_polars_is_told_to_read_through_pyiceberg(blocks: dict[str, Block]) -> None:
    # The current release and a tagged one, each through pyiceberg.
    assert check_polars_reads_through_pyiceberg(blocks["pyiceberg"]) == 2


def test_a_block_cannot_import_what_its_install_line_leaves_out(blocks: dict[str, Block], tmp_path: Path) -> None:
    """The import guard can fail: pyiceberg is not among DuckDB's packages, and this project never is."""
    block = Block("imports", "python", "import duckdb\nimport pyiceberg\n", 1)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path)}
    with pytest.raises(AssertionError, match=r"No module named 'pyiceberg' \(the README's pip install line"):
        run_block(block, code=block.body, install=blocks["duckdb-install"], probe="result = 0", env=env, work=tmp_path)
    block = Block("imports", "python", "import infra\n", 1)
    with pytest.raises(AssertionError, match=r"No module named 'infra'"):
        run_block(block, code=block.body, install=blocks["duckdb-install"], probe="result = 0", env=env, work=tmp_path)


def test_the_readmes_create_command_made_the_reader_the_blocks_name(reader: Reader) -> None:
    assert "database role junkan_bi_trino on " in reader.created
    assert "S3 access key bi-trino (created): reads s3://readme-" in reader.created


def test_the_readmes_duckdb_block_reads_mart_indicators(
    blocks: dict[str, Block], reader: Reader, tmp_path: Path
) -> None:
    block = blocks["duckdb"]
    result, shown = run_block(
        block,
        code=pointed_at(block, reader),
        install=blocks["duckdb-install"],
        probe="result = rows.fetchall()\ncon.close()\n",
        env=block_env(reader, tmp_path),
        work=tmp_path,
    )
    assert result == [["plastics", 0.4]]
    assert "plastics" in shown  # rows.show()


def test_the_readmes_pyiceberg_block_reads_mart_indicators_and_not_core(
    blocks: dict[str, Block], reader: Reader, tmp_path: Path
) -> None:
    block = blocks["pyiceberg"]
    probe = """
result = {
    "rates": frame.select("material", "input_cyclical_use_rate").rows(),
    "released": released.filter(~pl.col("suppressed")).select("material", "input_cyclical_use_rate").rows(),
}
try:
    catalog.load_table("core.flows")
except OSError as error:
    result["core_flows"] = str(error)
else:
    result["core_flows"] = "read"
catalog.engine.dispose()
"""
    result, shown = run_block(
        block,
        code=pointed_at(block, reader),
        install=blocks["pyiceberg-install"],
        probe=probe,
        env=block_env(reader, tmp_path),
        work=tmp_path,
    )
    assert result["rates"] == [["plastics", 0.4]]
    assert result["released"] == [["plastics", 0.4]]  # the tagged release the block reads
    assert "release/FY2024/1" in shown
    assert re.search(r"(?i)access.?denied|forbidden", result["core_flows"]), result["core_flows"]
    assert "plastics" in shown  # print(frame)
