"""No SQL is built from strings: every statement is a constant, a SQLAlchemy construct, or bound parameters.

The scan reads the source tree's syntax (ast) and flags `execute(…)`, `text(…)`, `exec_driver_sql(…)` and their
kin whose SQL argument is an f-string, `%`-formatting, `+` concatenation or `.format(…)` — directly or through a
local variable built that way. Documented exceptions, the only ways text may enter SQL here:

- a formatted value that is an UPPER_CASE module constant (`PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}`);
- an identifier quoted by the dialect (`quoted = engine.dialect.identifier_preparer.quote(name)`, then
  `exec_driver_sql(f"CREATE DATABASE {quoted}")`): DDL cannot bind identifiers as parameters;
- psycopg's composition, `psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(name))`, which
  quotes every part itself.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SCANNED = ("flows", "transforms", "expectations", "schemas", "infra", "benchmarks", "tests")
SQL_CALLS = frozenset({"execute", "executemany", "executescript", "exec_driver_sql", "text", "scalar", "scalars"})


def _quoted_identifier(value: ast.expr) -> bool:
    """`….identifier_preparer.quote(…)` or `.quote_identifier(…)`."""
    if not isinstance(value, ast.Call) or not isinstance(value.func, ast.Attribute):
        return False
    func = value.func
    if func.attr == "quote_identifier":
        return True
    return func.attr == "quote" and "identifier_preparer" in ast.unparse(func.value)


def _assignments(scope: ast.AST) -> dict[str, list[ast.expr]]:
    found: dict[str, list[ast.expr]] = {}
    for node in ast.walk(scope):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found.setdefault(target.id, []).append(node.value)
        elif (
            isinstance(node, ast.AnnAssign | ast.AugAssign)
            and isinstance(node.target, ast.Name)
            and node.value is not None
        ):
            value = node.value
            if isinstance(node, ast.AugAssign):  # `sql += …` is concatenation
                value = ast.BinOp(left=node.target, op=node.op, right=node.value)
            found.setdefault(node.target.id, []).append(value)
    return found


def _is_text(node: ast.expr) -> bool:
    return isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str))


def _holds_text(node: ast.expr, assigned: dict[str, list[ast.expr]]) -> bool:
    """A local variable that was assigned a string literal somewhere in the scope."""
    return isinstance(node, ast.Name) and any(_is_text(value) for value in assigned.get(node.id, []))


def _unsafe(value: ast.expr, assigned: dict[str, list[ast.expr]], *, seen: frozenset[str] = frozenset()) -> str | None:
    """Why an SQL argument is built from strings, or None when it is not."""
    if isinstance(value, ast.JoinedStr):
        for part in value.values:
            if not isinstance(part, ast.FormattedValue):
                continue
            inner = part.value
            if isinstance(inner, ast.Name) and inner.id.isupper():
                continue  # a module constant
            if isinstance(inner, ast.Name) and any(_quoted_identifier(v) for v in assigned.get(inner.id, [])):
                continue  # an identifier quoted by the dialect
            return f"f-string interpolating {ast.unparse(inner)!r}"
        return None
    if isinstance(value, ast.BinOp) and isinstance(value.op, ast.Mod | ast.Add):
        if any(_is_text(side) or _holds_text(side, assigned) for side in (value.left, value.right)) or any(
            _unsafe(side, assigned, seen=seen) for side in (value.left, value.right)
        ):
            return f"string {'%-formatting' if isinstance(value.op, ast.Mod) else 'concatenation'}"
        return None
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "format":
        base = value.func.value
        if isinstance(base, ast.Call) and ast.unparse(base.func).split(".")[-1] == "SQL":
            return None  # psycopg.sql.SQL(...).format(Identifier(...)): psycopg quotes each part
        return "str.format"
    if isinstance(value, ast.Name) and value.id not in seen:
        for source in assigned.get(value.id, []):
            why = _unsafe(source, assigned, seen=seen | {value.id})
            if why:
                return f"{why} (via {value.id!r})"
    return None


def _call_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    if isinstance(call.func, ast.Name):
        return call.func.id
    return None


def string_built_sql(source: str, filename: str = "<source>") -> list[str]:
    """Every SQL call in `source` whose statement is built from strings, as `file:line: call: why`."""
    tree = ast.parse(source, filename)
    problems = []
    scopes: list[ast.AST] = [
        tree,
        *(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)),
    ]
    for scope in scopes:
        assigned = _assignments(scope)
        body = scope.body if isinstance(scope, ast.Module) else [scope]
        for node in (n for statement in body for n in ast.walk(statement)):
            if not isinstance(node, ast.Call) or _call_name(node) not in SQL_CALLS or not node.args:
                continue
            name = _call_name(node)
            statement = node.args[0]
            why = _unsafe(statement, assigned)
            if why is None and name == "exec_driver_sql" and not _is_text(statement):
                why = "exec_driver_sql with a non-constant statement"
            if why:
                problems.append(f"{filename}:{node.lineno}: {name}(): {why}")
    return sorted(set(problems))


def test_no_string_built_sql_in_the_source_tree() -> None:
    files = [path for folder in SCANNED for path in sorted((ROOT / folder).rglob("*.py")) if ".venv" not in path.parts]
    assert len(files) > 50  # the scan really reads the tree
    problems = [
        problem
        for path in files
        for problem in string_built_sql(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    ]
    assert problems == []


@pytest.mark.parametrize(
    ("snippet", "why"),
    [
        ("def f(c, m):\n    c.execute(sa.text(f\"SELECT * FROM t WHERE id = '{m}'\"))", "f-string interpolating 'm'"),
        ("def f(c, m):\n    c.execute('SELECT * FROM t WHERE id = %s' % m)", "%-formatting"),
        ('def f(c, m):\n    c.execute("SELECT * FROM t WHERE id = \'" + m + "\'")', "concatenation"),
        ("def f(c, m):\n    c.exec_driver_sql('DROP TABLE {}'.format(m))", "str.format"),
        ("def f(c, m):\n    q = f'DELETE FROM {m}'\n    c.execute(q)", "via 'q'"),
        ("def f(c, m):\n    q = 'SELECT 1 '\n    q += m\n    c.execute(text(q))", "via 'q'"),
        ("def f(c, statement):\n    c.exec_driver_sql(statement)", "non-constant statement"),
    ],
    ids=["f-string", "percent", "plus", "format", "variable", "augmented", "driver-sql-variable"],
)
def test_the_scan_catches_string_built_sql(snippet: str, why: str) -> None:
    [problem] = string_built_sql(snippet)
    assert why in problem


@pytest.mark.parametrize(
    "snippet",
    [
        "def f(c, m):\n    c.execute(sa.text('SELECT * FROM t WHERE id = :id'), {'id': m})",
        "def f(c):\n    c.execute(f'PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}')",
        "def f(e, c, n):\n    quoted = e.dialect.identifier_preparer.quote(n)\n"
        "    c.exec_driver_sql(f'CREATE DATABASE {quoted}')",
        "def f(c, t, v):\n    c.execute(t.delete().where(t.c.period.in_(v)))",
        "def f(c, t, rows):\n    c.execute(t.insert(), rows)",
        "def f(c, n):\n    c.execute(psycopg.sql.SQL('DROP DATABASE {}').format(psycopg.sql.Identifier(n)))",
    ],
    ids=["bound-parameter", "constant", "quoted-identifier", "core-delete", "core-insert", "psycopg-composed"],
)
def test_the_documented_exceptions_pass(snippet: str) -> None:
    assert string_built_sql(snippet) == []
