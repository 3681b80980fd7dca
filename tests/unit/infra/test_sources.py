"""Pulling from members' own systems: an HTTP server on 127.0.0.1 in a thread, and a SQLite source database."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import sqlalchemy as sa

from flows.stages.batch import validate_submissions
from flows.stages.pull import PullOutcome, pull_source, pull_sources
from flows.stages.receive import unseen_inbox_keys
from infra.ledger import Member, PullSource
from infra.resources import Resources, build_resources
from infra.settings import Settings
from infra.sources import SourceError, fetch_sql
from schemas import FLOWS

TOKEN = "tok-Zq8-very-secret"  # noqa: S105 - a test token
PASSWORD = "S3cretPw-xyz"  # noqa: S105 - a test password
SECRETS = {"city-a-token": TOKEN}

CSV_V1 = (
    b"member_id,period,material,source_stage,target_stage,quantity,unit\n"
    b"city-a,FY2024,plastics.pet,use,collection,80,t\n"
    b"city-a,FY2024,plastics.pet,collection,recycling,30,t\n"
)
CSV_V2 = CSV_V1.replace(b"collection,80,t", b"collection,90,t")


# --- an HTTP server in a thread --------------------------------------------------------------------


@dataclass
class Route:
    """One canned answer."""

    body: bytes
    status: int = 200
    content_type: str = "text/csv"
    headers: dict[str, str] = field(default_factory=dict)
    send_length: bool = True
    delay_s: float = 0.0


@dataclass
class FakeServer:
    """Routes to answer, and the (path, Authorization) of every request received."""

    base: str
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[tuple[str, str | None]] = field(default_factory=list)


@pytest.fixture
def server() -> Iterator[FakeServer]:
    state = FakeServer(base="")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            state.requests.append((self.path, self.headers.get("Authorization")))
            route = state.routes.get(self.path)
            if route is None:
                self.send_error(404)
                return
            time.sleep(route.delay_s)
            self.send_response(route.status)
            self.send_header("Content-Type", route.content_type)
            for name, value in route.headers.items():
                self.send_header(name, value)
            if route.send_length:
                self.send_header("Content-Length", str(len(route.body)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up, as it should
                self.wfile.write(route.body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - keep test output quiet
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    state.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield state
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


# --- resources -------------------------------------------------------------------------------------


def make_resources(home: Path, **limits: int) -> Resources:
    built = build_resources(Settings(home=home, **limits))  # type: ignore[arg-type]
    built.ledger.add_member(Member("city-a", "city-a", "municipality", "JP-40", date(2023, 4, 1)))
    return built


@pytest.fixture
def resources(tmp_path: Path) -> Iterator[Resources]:
    built = make_resources(tmp_path / "home")
    yield built
    built.close()


def http_source(resources: Resources, url: str, *, block: str | None = "city-a-token") -> PullSource:
    return resources.ledger.add_source(member_id="city-a", dataset="flows", kind="http", url=url, secret_block=block)


def pull(resources: Resources, source: PullSource, **kwargs: float) -> PullOutcome:
    return pull_source(resources, source, secret=SECRETS.__getitem__, **kwargs)


def ledger_bytes(resources: Resources) -> bytes:
    """Every byte the SQLite ledger holds on disk (database and write-ahead log)."""
    home = resources.settings.resolved_home
    return b"".join(path.read_bytes() for path in sorted(home.glob("junkan.db*")))


# --- HTTP ------------------------------------------------------------------------------------------


def test_http_pull_is_a_submission_with_its_content_hash_and_sends_the_bearer_token(
    resources: Resources, server: FakeServer
) -> None:
    server.routes["/flows.csv"] = Route(CSV_V1)
    source = http_source(resources, f"{server.base}/flows.csv")

    outcome = pull(resources, source)

    key = f"inbox/city-a/flows/pull-{source.source_id}.csv"
    assert (outcome.key, outcome.is_new, outcome.error) == (key, True, None)
    assert resources.storage.get_bytes(key) == CSV_V1
    submission = resources.ledger.get_submission(outcome.submission_id or "")
    assert submission is not None
    assert (submission.sha256, submission.size, submission.source, submission.status) == (
        hashlib.sha256(CSV_V1).hexdigest(),
        len(CSV_V1),
        "http",
        "received",
    )
    assert server.requests == [("/flows.csv", f"Bearer {TOKEN}")]


def test_an_unchanged_source_is_not_ingested_again_and_a_change_supersedes(
    resources: Resources, server: FakeServer
) -> None:
    server.routes["/flows.csv"] = Route(CSV_V1)
    source = http_source(resources, f"{server.base}/flows.csv")
    first = pull(resources, source)
    [validated] = validate_submissions(resources, [first.submission_id or ""])
    assert (validated.status, validated.counts.read, validated.counts.accepted) == ("valid", 2, 2)
    stored = resources.storage.stat(first.key or "")

    again = pull(resources, source)
    assert (again.submission_id, again.is_new) == (first.submission_id, False)
    assert len(resources.ledger.submissions()) == 1
    assert resources.storage.stat(first.key or "") == stored  # not rewritten …
    assert unseen_inbox_keys(resources) == []  # … so the nightly sweep does not see a re-upload

    server.routes["/flows.csv"] = Route(CSV_V2)
    changed = pull(resources, source)
    assert changed.is_new
    assert changed.submission_id != first.submission_id
    assert resources.storage.get_bytes(changed.key or "") == CSV_V2
    validate_submissions(resources, [changed.submission_id or ""])
    old = resources.ledger.get_submission(first.submission_id or "")
    assert old is not None
    assert (old.status, old.superseded_by) == ("superseded", changed.submission_id)


def test_a_json_array_becomes_json_lines_and_json_lines_are_kept_verbatim(
    resources: Resources, server: FakeServer
) -> None:
    array = '[{"member_id": "city-a", "quantity": 80},\n {"member_id": "city-a", "note": "回収"}]'
    server.routes["/array"] = Route(array.encode(), content_type="application/json")
    lines = b'{"member_id":"city-a","quantity":"80"}\n{"member_id":"city-a"}\n'
    server.routes["/lines"] = Route(lines, content_type="application/x-ndjson")

    from_array = pull(resources, http_source(resources, f"{server.base}/array", block=None))
    from_lines = pull(resources, http_source(resources, f"{server.base}/lines", block=None))

    assert (from_array.key or "").endswith(".jsonl")
    assert resources.storage.get_bytes(from_array.key or "").decode() == (
        '{"member_id":"city-a","quantity":80}\n{"member_id":"city-a","note":"回収"}\n'
    )
    assert resources.storage.get_bytes(from_lines.key or "") == lines
    # A source without a token block sends no Authorization header.
    assert [auth for _, auth in server.requests] == [None, None]


def test_a_redirect_is_refused_and_not_followed(resources: Resources, server: FakeServer) -> None:
    server.routes["/moved"] = Route(b"", status=302, headers={"Location": f"{server.base}/target?key=abc"})
    server.routes["/target"] = Route(CSV_V1)
    source = http_source(resources, f"{server.base}/moved")

    with pytest.raises(
        SourceError, match=r"redirect \(HTTP 302\) to http://127\.0\.0\.1:\d+/target\?key=\*\*\*;"
    ) as raised:
        pull(resources, source)

    assert "key=abc" not in str(raised.value)
    assert [path for path, _ in server.requests] == ["/moved"]
    assert resources.ledger.submissions() == []


@pytest.mark.parametrize("send_length", [True, False])
def test_an_answer_over_the_size_limit_is_cut_off(tmp_path: Path, server: FakeServer, send_length: bool) -> None:
    resources = make_resources(tmp_path / "home", max_file_bytes=100)
    try:
        server.routes["/big.csv"] = Route(CSV_V1 * 10, send_length=send_length)  # 10 x 119 bytes
        source = http_source(resources, f"{server.base}/big.csv")
        with pytest.raises(SourceError, match="sent more than 100 bytes"):
            pull(resources, source)
        assert list(resources.storage.list("inbox/")) == []
        assert resources.ledger.submissions() == []
    finally:
        resources.close()


@pytest.mark.parametrize(
    ("route", "message"),
    [
        (Route(b"nope", status=401), "refused the request (HTTP 401)"),
        (Route(b"oops", status=500), "answered HTTP 500"),
        (Route(b"<html>login</html>", content_type="text/html; charset=utf-8"), "returned a web page"),
        (Route(b"not json", content_type="application/json"), "neither a JSON array of objects nor JSON Lines"),
        (Route(b"[1, 2]", content_type="application/json"), "item 1 of the JSON array is not an object"),
    ],
)
def test_bad_answers_are_reported_without_the_token(
    resources: Resources, server: FakeServer, caplog: pytest.LogCaptureFixture, route: Route, message: str
) -> None:
    server.routes["/data"] = route
    http_source(resources, f"{server.base}/data")

    with caplog.at_level(logging.DEBUG):
        [outcome] = pull_sources(resources, secret=SECRETS.__getitem__)

    assert outcome.error is not None
    assert message in outcome.error
    assert TOKEN not in outcome.error
    assert all(TOKEN not in record.getMessage() for record in caplog.records)
    assert TOKEN.encode() not in ledger_bytes(resources)
    assert resources.ledger.submissions() == []


def test_a_slow_source_times_out(resources: Resources, server: FakeServer) -> None:
    server.routes["/slow.csv"] = Route(CSV_V1, delay_s=2.0)
    source = http_source(resources, f"{server.base}/slow.csv")
    started = time.monotonic()
    with pytest.raises(SourceError, match=r"did not answer within 0\.3 s"):
        pull(resources, source, timeout_s=0.3)
    assert time.monotonic() - started < 1.5


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.org/flows.csv", "must start with http:// or https://"),
        ("file:///etc/passwd", "must start with http:// or https://"),
        ("https:///flows.csv", "has no host"),
        (f"https://user:{PASSWORD}@example.org/flows.csv", "carries a user name or password"),
    ],
)
def test_only_plain_http_urls_can_be_registered(resources: Resources, url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as raised:
        http_source(resources, url)
    assert PASSWORD not in str(raised.value)
    assert resources.ledger.list_sources() == []


def test_a_missing_secret_block_fails_only_its_own_source(resources: Resources, server: FakeServer) -> None:
    server.routes["/flows.csv"] = Route(CSV_V1)
    broken = http_source(resources, f"{server.base}/flows.csv", block="no-such-block")
    working = http_source(resources, f"{server.base}/flows.csv")

    outcomes = pull_sources(resources, secret=SECRETS.__getitem__)

    assert [(o.source_id, o.is_new) for o in outcomes] == [(broken.source_id, False), (working.source_id, True)]
    assert outcomes[0].error == (
        f"source {broken.source_id}: secret block 'no-such-block' could not be read (KeyError); "
        "create it or check the Prefect API / シークレットブロック 'no-such-block' を読み込めませんでした。"
        "作成済みか、Prefect API を確認してください"
    )
    assert outcomes[1].error is None


def test_sources_are_listed_and_removed(resources: Resources) -> None:
    first = http_source(resources, "https://example.org/a.csv")
    second = resources.ledger.add_source(
        member_id="city-a", dataset="targets", kind="sql", secret_block="city-a-db", table_name="targets_export"
    )
    assert [s.source_id for s in resources.ledger.list_sources()] == [first.source_id, second.source_id]
    assert [s.source_id for s in resources.ledger.list_sources(dataset="targets")] == [second.source_id]
    assert resources.ledger.remove_source(first.source_id) is True
    assert resources.ledger.remove_source(first.source_id) is False
    assert resources.ledger.list_sources() == [second]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "sql", "table_name": "t"}, "needs the name of the Secret block"),
        ({"kind": "sql", "secret_block": "b", "table_name": "t", "url": "sqlite:///x"}, "never stores its URL"),
        ({"kind": "http", "url": "https://example.org", "secret_block": "Bad_Name"}, "secret block name"),
        ({"kind": "ftp", "url": "https://example.org"}, "source kind 'ftp'"),
        ({"kind": "http", "url": "https://example.org", "member_id": "nobody"}, "not registered"),
        ({"kind": "http", "url": "https://example.org", "dataset": "nope"}, "unknown dataset"),
    ],
)
def test_add_source_refuses_incomplete_or_unsafe_registrations(
    resources: Resources, fields: dict[str, str], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        resources.ledger.add_source(**{"member_id": "city-a", "dataset": "flows", **fields})  # type: ignore[arg-type]
    assert resources.ledger.list_sources() == []


# --- SQL -------------------------------------------------------------------------------------------


@pytest.fixture
def source_db(tmp_path: Path) -> str:
    """A member's SQLite database with a flows table: a key column, contract columns and one of its own."""
    path = tmp_path / "member.db"
    url = f"sqlite:///{path}"
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "CREATE TABLE flows_export (row_id INTEGER PRIMARY KEY, internal_code TEXT, member_id TEXT, "
            "period TEXT, material TEXT, source_stage TEXT, target_stage TEXT, quantity REAL, unit TEXT, note TEXT)"
        )
        connection.exec_driver_sql(
            "INSERT INTO flows_export VALUES "
            "(2, 'x9', 'city-a', 'FY2024', 'plastics.pet', 'collection', 'recycling', 30.0, 't', 'a, b'), "
            "(1, 'x8', 'city-a', 'FY2024', 'plastics.pet', 'use', 'collection', 80.0, 't', NULL), "
            "(3, 'x7', 'city-a', 'FY2024', 'plastics.pet', 'collection', 'landfill', 12.5, 'kg', NULL)"
        )
    engine.dispose()
    return url


def sql_source(resources: Resources, table: str = "flows_export") -> PullSource:
    return resources.ledger.add_source(
        member_id="city-a", dataset="flows", kind="sql", secret_block="city-a-db", table_name=table
    )


def test_sql_pull_writes_the_contract_columns_in_key_order_and_validates(resources: Resources, source_db: str) -> None:
    source = sql_source(resources)
    outcome = pull_source(resources, source, secret={"city-a-db": source_db}.__getitem__)

    key = f"inbox/city-a/flows/pull-{source.source_id}.csv"
    expected = (
        "member_id,period,material,source_stage,target_stage,quantity,unit,note\n"
        "city-a,FY2024,plastics.pet,use,collection,80,t,\n"
        'city-a,FY2024,plastics.pet,collection,recycling,30,t,"a, b"\n'
        "city-a,FY2024,plastics.pet,collection,landfill,12.5,kg,\n"
    )
    assert (outcome.key, outcome.is_new) == (key, True)
    assert resources.storage.get_bytes(key).decode() == expected
    submission = resources.ledger.get_submission(outcome.submission_id or "")
    assert submission is not None
    assert (submission.source, submission.sha256) == ("sql", hashlib.sha256(expected.encode()).hexdigest())
    [validated] = validate_submissions(resources, [submission.submission_id])
    assert (validated.counts.read, validated.counts.accepted, validated.counts.quarantined) == (3, 3, 0)

    again = pull_source(resources, source, secret={"city-a-db": source_db}.__getitem__)
    assert (again.submission_id, again.is_new) == (outcome.submission_id, False)


def test_a_table_name_is_looked_up_never_executed(resources: Resources, source_db: str) -> None:
    source = sql_source(resources, table="flows_export; DROP TABLE flows_export")
    [outcome] = pull_sources(resources, secret={"city-a-db": source_db}.__getitem__)
    assert outcome.error is not None
    assert "table 'flows_export; DROP TABLE flows_export' does not exist" in outcome.error
    assert outcome.source_id == source.source_id
    engine = sa.create_engine(source_db)
    try:
        assert sa.inspect(engine).get_table_names() == ["flows_export"]
    finally:
        engine.dispose()


def test_more_rows_than_the_limit_are_refused(tmp_path: Path, source_db: str) -> None:
    with pytest.raises(SourceError, match="has more than 2 rows"):
        fetch_sql(
            source_db,
            table_name="flows_export",
            schema_name=None,
            contract=FLOWS,
            destination=tmp_path / "out.csv",
            max_rows=2,
        )


def test_a_table_without_contract_columns_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'other.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE things (a TEXT, b TEXT)")
    engine.dispose()
    with pytest.raises(SourceError, match="has none of the flows columns"):
        fetch_sql(
            url, table_name="things", schema_name=None, contract=FLOWS, destination=tmp_path / "o.csv", max_rows=9
        )


def test_a_missing_sqlite_file_is_an_error_and_is_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "missing.db"
    with pytest.raises(SourceError, match="'missing.db' does not exist"):
        fetch_sql(
            f"sqlite:///{missing}",
            table_name="t",
            schema_name=None,
            contract=FLOWS,
            destination=tmp_path / "o.csv",
            max_rows=9,
        )
    assert not missing.exists()


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql+psycopg://junkan:{PASSWORD}@127.0.0.1:9/junkan",  # port 9 (discard): connection refused
        f"not a url {PASSWORD}",
        f"nosuchdialect://junkan:{PASSWORD}@127.0.0.1/x",
    ],
)
def test_a_sql_source_password_never_reaches_messages_logs_or_the_ledger(
    resources: Resources, caplog: pytest.LogCaptureFixture, url: str
) -> None:
    sql_source(resources)
    with caplog.at_level(logging.DEBUG):
        [outcome] = pull_sources(resources, secret={"city-a-db": url}.__getitem__, timeout_s=2)
    assert outcome.error is not None
    assert PASSWORD not in outcome.error
    assert all(PASSWORD not in record.getMessage() for record in caplog.records)
    assert PASSWORD.encode() not in ledger_bytes(resources)
