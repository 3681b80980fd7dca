"""Fetch datasets from members' own systems: an HTTP endpoint or a SQL table, into a local file.

`flows/stages/pull.py` writes what is fetched to the member's inbox and registers it as a submission.
Credentials live in Prefect Secret blocks; the ledger keeps only block names. The lookup is a plain
`Callable[[str], str]` (Prefect's in production, a dict in tests), and no token, password or SQL URL
ever reaches a log line, an exception message or the ledger.

Prefect's Secret blocks themselves are read and written in `infra/access/prefect_secrets.py`.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Final

import httpx
import polars as pl
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from infra.ledger import check_http_url, check_table_name
from infra.readers import cell_text
from infra.redact import redact_url
from schemas.contract import Contract

logger = logging.getLogger(__name__)

SecretLookup = Callable[[str], str]

CONNECT_TIMEOUT_S: Final = 10.0
READ_TIMEOUT_S: Final = 60.0
DOWNLOAD_DEADLINE_S: Final = 900.0  # a whole HTTP download, however slowly the bytes trickle in
SQL_CHUNK_ROWS: Final = 10_000
CONTENT_TYPES: Final = {".csv": "text/csv; charset=utf-8", ".jsonl": "application/x-ndjson"}
_UTF8_BOM: Final = b"\xef\xbb\xbf"


class SourceError(Exception):
    """A source could not be pulled; the message is safe to log (it never holds a secret)."""

    def __init__(self, message_en: str, message_ja: str, *, source_id: str | None = None) -> None:
        self.message_en = message_en
        self.message_ja = message_ja
        self.source_id = source_id
        where = f"source {source_id}: " if source_id else ""
        super().__init__(f"{where}{message_en} / {message_ja}")


# --- secrets ------------------------------------------------------------------------------------


def lookup_secret(secret: SecretLookup, name: str) -> str:
    """A source's secret from the store; a SourceError that names the block (never the value) when it fails."""
    try:
        value = secret(name)
    except Exception as error:  # noqa: BLE001 - any failure of the secret store is reported the same way
        raise SourceError(
            f"secret block {name!r} could not be read ({type(error).__name__}); create it or check the Prefect API",
            f"シークレットブロック {name!r} を読み込めませんでした。作成済みか、Prefect API を確認してください",
        ) from None
    if not value:
        raise SourceError(f"secret block {name!r} is empty", f"シークレットブロック {name!r} が空です")
    return value


def _scrub(text: str, secrets: Iterable[str | None]) -> str:
    """Replace every secret (longest first) in a message that came from a library."""
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


# --- HTTP ---------------------------------------------------------------------------------------


def fetch_http(
    url: str, *, token: str | None, workdir: Path, max_bytes: int, timeout_s: float = READ_TIMEOUT_S
) -> Path:
    """Download a CSV or JSON (array or lines) answer into workdir as `pull.csv` or `pull.jsonl`.

    No redirect is followed, the body is streamed and cut off past `max_bytes`, and the token is sent
    only as `Authorization: Bearer …` to the registered host.
    """
    try:
        check_http_url(url)
    except ValueError as error:
        raise SourceError(str(error), "URLが正しくありません（http/https のみ、認証情報を含めないこと）") from None
    shown = redact_url(url)
    headers = {"Accept": "text/csv, application/json, application/x-ndjson;q=0.9, */*;q=0.1"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    raw = workdir / "download"
    timeout = httpx.Timeout(timeout_s, connect=min(timeout_s, CONNECT_TIMEOUT_S))
    deadline = time.monotonic() + max(DOWNLOAD_DEADLINE_S, timeout_s)
    try:
        with (
            httpx.Client(timeout=timeout, follow_redirects=False) as client,
            client.stream("GET", url, headers=headers) as response,
        ):
            _check_response(response, shown=shown, max_bytes=max_bytes)
            content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
            received = 0
            with raw.open("wb") as out:
                for chunk in response.iter_bytes():
                    received += len(chunk)
                    if received > max_bytes:
                        raise _too_big(shown, max_bytes)
                    if time.monotonic() > deadline:
                        raise SourceError(
                            f"{shown} took longer than {DOWNLOAD_DEADLINE_S:.0f} s to send its answer",
                            f"{shown} の応答が {DOWNLOAD_DEADLINE_S:.0f} 秒以内に終わりませんでした",
                        )
                    out.write(chunk)
    except httpx.TimeoutException:
        raise SourceError(
            f"{shown} did not answer within {timeout_s:g} s; check that the member's system is up",
            f"{shown} が {timeout_s:g} 秒以内に応答しませんでした。会員のシステムが稼働しているか確認してください",
        ) from None
    except httpx.HTTPError as error:
        raise SourceError(
            f"{shown} could not be reached ({type(error).__name__}); check the URL and the network",
            f"{shown} に接続できませんでした。URLとネットワークを確認してください",
        ) from None
    return _as_table_file(raw, content_type=content_type, shown=shown)


def _too_big(shown: str, max_bytes: int) -> SourceError:
    return SourceError(
        f"{shown} sent more than {max_bytes} bytes; raise JUNKAN_MAX_FILE_BYTES or send less",
        f"{shown} の応答が上限 {max_bytes} バイトを超えました",
    )


def _check_response(response: httpx.Response, *, shown: str, max_bytes: int) -> None:
    status = response.status_code
    if 300 <= status < 400:
        location = response.headers.get("location", "")
        target = redact_url(str(response.url.join(location))) if location else "(no location)"
        raise SourceError(
            f"{shown} answered with a redirect (HTTP {status}) to {target}; redirects are not followed, "
            "register the final URL instead",
            f"{shown} はリダイレクト（HTTP {status}）を返しました。転送先の最終URLを登録してください",
        )
    if status in (401, 403):
        raise SourceError(
            f"{shown} refused the request (HTTP {status}); check the source's token",
            f"{shown} がアクセスを拒否しました（HTTP {status}）。トークンを確認してください",
        )
    if status != 200:
        raise SourceError(f"{shown} answered HTTP {status}", f"{shown} がエラー（HTTP {status}）を返しました")
    declared = response.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise _too_big(shown, max_bytes)
    if response.headers.get("content-type", "").lower().startswith("text/html"):
        raise SourceError(
            f"{shown} returned a web page (text/html), not CSV or JSON; check the URL (a login page?)",
            f"{shown} はCSVやJSONではなくWebページを返しました。URLを確認してください",
        )


def _first_significant_byte(path: Path) -> bytes:
    with path.open("rb") as stream:
        head = stream.read(4096)
    return head.removeprefix(_UTF8_BOM).lstrip()[:1]


def _as_table_file(raw: Path, *, content_type: str, shown: str) -> Path:
    """Name the download by its format: CSV and JSON Lines verbatim, a JSON array rewritten as JSON Lines."""
    first = _first_significant_byte(raw)
    if first == b"{":
        return raw.rename(raw.with_name("pull.jsonl"))
    if first == b"[":
        return _json_array_to_lines(raw, shown=shown)
    if "json" in content_type:
        raise SourceError(
            f"{shown} says it sent JSON but the answer is neither a JSON array of objects nor JSON Lines",
            f"{shown} の応答はJSON配列でもJSON Linesでもありません",
        )
    return raw.rename(raw.with_name("pull.csv"))


def _json_array_to_lines(raw: Path, *, shown: str) -> Path:
    try:
        items = json.loads(raw.read_bytes().decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SourceError(
            f"{shown} sent JSON that cannot be read: {error}", f"{shown} のJSONを読み込めません: {error}"
        ) from None
    if not isinstance(items, list):
        raise SourceError(f"{shown} sent JSON that is not an array", f"{shown} のJSONが配列ではありません")
    lines = raw.with_name("pull.jsonl")
    with lines.open("w", encoding="utf-8", newline="\n") as out:
        for number, item in enumerate(items, start=1):
            if not isinstance(item, dict):
                raise SourceError(
                    f"{shown}: item {number} of the JSON array is not an object (one object per row)",
                    f"{shown}: JSON配列の {number} 番目の要素がオブジェクトではありません（1行1オブジェクト）",
                )
            out.write(json.dumps(item, ensure_ascii=False, separators=(",", ":")) + "\n")
    raw.unlink()
    return lines


# --- SQL ----------------------------------------------------------------------------------------


def fetch_sql(
    url: str,
    *,
    table_name: str,
    schema_name: str | None,
    contract: Contract,
    destination: Path,
    max_rows: int,
    timeout_s: float = READ_TIMEOUT_S,
) -> int:
    """Write the contract's submitted columns of a table as CSV (text, header first); returns rows written.

    The table is reflected by name (never a query assembled from text) after checking that it exists;
    rows come in primary-key order (or by every selected column), so unchanged data is identical bytes.
    """
    check_table_name(table_name, what="table")
    if schema_name is not None:
        check_table_name(schema_name, what="schema")
    try:
        parsed = sa.make_url(url)
    except Exception:  # noqa: BLE001 - the parser's message would quote the URL, password included
        raise SourceError(
            "the URL in the source's secret block is not a SQLAlchemy URL (dialect+driver://user:password@host/db)",
            "シークレットブロックのURLがSQLAlchemyのURL形式ではありません",
        ) from None
    secrets = (url, parsed.password, parsed.render_as_string(hide_password=False))
    where = f"{parsed.get_backend_name()} table {table_name!r}"
    try:
        engine = _source_engine(parsed, timeout_s=timeout_s)
        try:
            with engine.connect() as connection:
                return _copy_table(
                    connection,
                    table_name=table_name,
                    schema_name=schema_name,
                    contract=contract,
                    destination=destination,
                    max_rows=max_rows,
                    where=where,
                )
        finally:
            engine.dispose()
    except SourceError:
        raise
    except Exception as error:  # noqa: BLE001 - any driver's error; its text is scrubbed of the URL and password
        detail = _scrub(str(error).splitlines()[0] if str(error) else "", secrets)
        raise SourceError(
            f"{where} could not be read ({type(error).__name__}: {detail})",
            f"{where} を読み込めませんでした（{type(error).__name__}）",
        ) from None


def _source_engine(url: sa.URL, *, timeout_s: float) -> sa.Engine:
    """A throw-away, read-only-minded engine on a member's database."""
    backend = url.get_backend_name()
    connect_args: dict[str, object] = {}
    if backend == "sqlite":
        database = url.database or ""
        if not database or database == ":memory:" or not Path(database).is_file():
            msg = f"the SQLite database file {Path(database).name!r} does not exist"
            raise SourceError(msg, f"SQLiteのデータベースファイル {Path(database).name!r} がありません")
        connect_args["timeout"] = timeout_s
    elif backend in ("postgresql", "mysql", "mariadb"):
        connect_args["connect_timeout"] = max(1, round(min(timeout_s, CONNECT_TIMEOUT_S)))
    engine = sa.create_engine(url, poolclass=NullPool, connect_args=connect_args)
    if backend == "postgresql":
        engine = engine.execution_options(postgresql_readonly=True)
    return engine


def _copy_table(
    connection: sa.Connection,
    *,
    table_name: str,
    schema_name: str | None,
    contract: Contract,
    destination: Path,
    max_rows: int,
    where: str,
) -> int:
    inspector = sa.inspect(connection)
    known = set(inspector.get_table_names(schema=schema_name)) | set(inspector.get_view_names(schema=schema_name))
    if table_name not in known:
        raise SourceError(
            f"{where} does not exist{f' in schema {schema_name!r}' if schema_name else ''}; check the name",
            f"{where} が見つかりません。テーブル名を確認してください",
        )
    table = sa.Table(table_name, sa.MetaData(), schema=schema_name, autoload_with=connection)
    by_name = {column.name.lower(): column for column in table.columns}
    chosen = [(column.name, by_name[column.name]) for column in contract.submitted_columns if column.name in by_name]
    if not chosen:
        raise SourceError(
            f"{where} has none of the {contract.name} columns ({', '.join(contract.read_schema)})",
            f"{where} に {contract.name} の列がひとつもありません",
        )
    order = list(table.primary_key.columns) or [column for _, column in chosen]
    query = sa.select(*(column.label(name) for name, column in chosen)).order_by(*order).limit(max_rows + 1)
    schema = pl.Schema({name: pl.String() for name, _ in chosen})
    written = 0
    with destination.open("wb") as out:
        pl.DataFrame(schema=schema).write_csv(out)
        result = connection.execution_options(stream_results=True, yield_per=SQL_CHUNK_ROWS).execute(query)
        for rows in result.partitions():
            written += len(rows)
            if written > max_rows:
                raise SourceError(
                    f"{where} has more than {max_rows} rows; raise JUNKAN_MAX_ROWS or pull less",
                    f"{where} の行数が上限 {max_rows} を超えています",
                )
            frame = pl.DataFrame([[cell_text(value) for value in row] for row in rows], schema=schema, orient="row")
            frame.write_csv(out, include_header=False)
    return written
