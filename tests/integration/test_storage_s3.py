"""S3Storage against a real MinIO started by infra/devservers/scripts/minio.sh."""

from __future__ import annotations

import hashlib
import logging
import random
import secrets
import tracemalloc
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import pyarrow as pa
import pytest
from minio.error import S3Error
from pyiceberg.catalog.sql import SqlCatalog

from infra.storage import Storage
from infra.storage.s3 import PART_SIZE, READ_BUFFER_SIZE, S3Storage
from tests.integration.conftest import MinioServer

pytestmark = pytest.mark.integration

MIB = 1024 * 1024
LARGE_SIZE = 40 * MIB + 123  # 6 multipart parts: five of 8 MiB and one of 123 bytes
T = TypeVar("T")


def make_storage(server: MinioServer, *, secret_key: str | None = None) -> S3Storage:
    return S3Storage(
        f"t-{secrets.token_hex(6)}",
        endpoint=server.endpoint,
        access_key=server.access_key,
        secret_key=server.secret_key if secret_key is None else secret_key,
    )


@pytest.fixture
def storage(minio_server: MinioServer) -> S3Storage:
    """A storage on a bucket of its own, so tests never see each other's objects."""
    return make_storage(minio_server)


def peak_memory(action: Callable[[], T]) -> tuple[T, int]:
    """Run action; return its result and the peak bytes Python allocated meanwhile."""
    tracemalloc.start()
    try:
        result = action()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak


def write_large_file(path: Path) -> str:
    """Write LARGE_SIZE pseudo-random bytes 1 MiB at a time; return their sha256."""
    generator = random.Random(20240401)
    digest = hashlib.sha256()
    with path.open("wb") as handle:
        left = LARGE_SIZE
        while left:
            chunk = generator.randbytes(min(MIB, left))
            digest.update(chunk)
            handle.write(chunk)
            left -= len(chunk)
    return digest.hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(MIB):
            digest.update(chunk)
    return digest.hexdigest()


def test_s3_storage_satisfies_the_protocol(storage: S3Storage) -> None:
    assert isinstance(storage, Storage)
    assert storage.url == f"s3://{storage.bucket}"
    assert storage.warehouse_uri == f"s3://{storage.bucket}/warehouse"
    assert storage.uri("reports/city-a/flows/s1.json") == f"s3://{storage.bucket}/reports/city-a/flows/s1.json"


def test_put_bytes_then_stat_and_get(storage: S3Storage) -> None:
    before = datetime.now(UTC) - timedelta(seconds=5)
    info = storage.put_bytes("reports/city-a/flows/s1.json", b"hello", content_type="application/json")

    # A single-part upload's etag is the MD5 of the content: md5(b"hello"), without S3's quotes.
    assert info.key == "reports/city-a/flows/s1.json"
    assert info.size == 5
    assert info.etag == "5d41402abc4b2a76b9719d911017c592"
    assert before <= info.last_modified <= datetime.now(UTC) + timedelta(seconds=5)
    assert storage.stat("reports/city-a/flows/s1.json") == info
    assert storage.get_bytes("reports/city-a/flows/s1.json") == b"hello"


def test_large_file_streams_up_and_down(storage: S3Storage, tmp_path: Path) -> None:
    source = tmp_path / "large.bin"
    expected_sha = write_large_file(source)

    info, upload_peak = peak_memory(lambda: storage.put_file("inbox/city-a/flows/large.bin", source))

    assert info.size == LARGE_SIZE
    # Uploaded in ceil((40 MiB + 123) / 8 MiB) = 6 parts: S3 reports a multipart etag "<md5 of md5s>-6".
    assert info.etag.endswith("-6")
    # One part in flight (plus the next being read): the upload never holds the 40 MiB file whole.
    assert upload_peak < 2 * PART_SIZE + 2 * MIB < LARGE_SIZE / 2

    target = tmp_path / "copy" / "large.bin"
    _, download_peak = peak_memory(lambda: storage.download("inbox/city-a/flows/large.bin", target))
    assert sha256_file(target) == expected_sha
    assert download_peak < 4 * MIB  # 1 MiB chunks

    def read_stream() -> str:
        digest = hashlib.sha256()
        with storage.open("inbox/city-a/flows/large.bin") as stream:
            while chunk := stream.read(256 * 1024):
                digest.update(chunk)
        return digest.hexdigest()

    streamed_sha, open_peak = peak_memory(read_stream)
    assert streamed_sha == expected_sha
    assert open_peak < 4 * READ_BUFFER_SIZE


def test_open_streams_and_close_releases_the_connection(storage: S3Storage) -> None:
    storage.put_bytes("reports/city-a/flows/s2.json", b"0123456789")
    stream = storage.open("reports/city-a/flows/s2.json")
    assert stream.read(4) == b"0123"
    assert stream.read() == b"456789"
    stream.close()
    assert stream.closed
    # The pooled connection came back: further requests still work.
    assert storage.get_bytes("reports/city-a/flows/s2.json") == b"0123456789"


def test_list_is_recursive_in_key_order(storage: S3Storage) -> None:
    keys = [
        "reports/city-a/flows/r.json",
        "inbox/city-a/flows/b.csv",
        "inbox/city-a10/flows/c.csv",
        "inbox/city-a/targets/2024/x.csv",
        "inbox/city-a/flows/a.csv",
    ]
    for key in keys:
        storage.put_bytes(key, key.encode())

    assert [info.key for info in storage.list("inbox/city-a/")] == [
        "inbox/city-a/flows/a.csv",
        "inbox/city-a/flows/b.csv",
        "inbox/city-a/targets/2024/x.csv",
    ]
    # A prefix without '/' is a plain string prefix, as in LocalStorage: city-a10 matches too.
    assert [info.key for info in storage.list("inbox/city-a")] == [
        "inbox/city-a/flows/a.csv",
        "inbox/city-a/flows/b.csv",
        "inbox/city-a/targets/2024/x.csv",
        "inbox/city-a10/flows/c.csv",
    ]
    everything = list(storage.list(""))
    assert [info.key for info in everything] == [
        "inbox/city-a/flows/a.csv",
        "inbox/city-a/flows/b.csv",
        "inbox/city-a/targets/2024/x.csv",
        "inbox/city-a10/flows/c.csv",
        "reports/city-a/flows/r.json",
    ]
    # Each object holds its own key as content, so its size is the key's length; etags come without quotes.
    assert [info.size for info in everything] == [24, 24, 31, 26, 27]
    assert all('"' not in info.etag and len(info.etag) == 32 for info in everything)
    assert list(storage.list("quarantine/")) == []


def test_missing_objects(storage: S3Storage, tmp_path: Path) -> None:
    assert storage.stat("inbox/city-a/flows/none.csv") is None
    storage.delete("inbox/city-a/flows/none.csv")  # no error

    storage.put_bytes("inbox/city-a/flows/once.csv", b"x")
    storage.delete("inbox/city-a/flows/once.csv")
    assert storage.stat("inbox/city-a/flows/once.csv") is None

    with pytest.raises(FileNotFoundError, match=r"s3://t-[0-9a-f]+/inbox/city-a/flows/none\.csv"):
        storage.open("inbox/city-a/flows/none.csv")
    with pytest.raises(FileNotFoundError, match="none.csv"):
        storage.download("inbox/city-a/flows/none.csv", tmp_path / "none.csv")
    assert not (tmp_path / "none.csv").exists()


@pytest.mark.parametrize(
    "key",
    ["../outside", "inbox/../../etc/passwd", "/inbox/city-a/x.csv", "inbox//x.csv", "", "inbox/a\\b.csv"],
)
def test_unsafe_keys_are_rejected_before_any_request(minio_server: MinioServer, key: str, tmp_path: Path) -> None:
    storage = make_storage(minio_server)
    source = tmp_path / "x.csv"
    source.write_bytes(b"x")
    for call in (
        lambda: storage.put_bytes(key, b"x"),
        lambda: storage.put_file(key, source),
        lambda: storage.open(key),
        lambda: storage.download(key, tmp_path / "out.csv"),
        lambda: storage.stat(key),
        lambda: storage.delete(key),
        lambda: storage.uri(key),
    ):
        with pytest.raises(ValueError, match="unsafe storage key"):
            call()
    # The check came first: not even the bucket was created.
    assert not storage._client.bucket_exists(storage.bucket)


def test_secrets_stay_out_of_repr_errors_and_logs(minio_server: MinioServer, caplog: pytest.LogCaptureFixture) -> None:
    good = make_storage(minio_server)
    for text in (repr(good), str(good)):
        assert minio_server.secret_key not in text
        assert minio_server.access_key not in text
        assert minio_server.endpoint in text
    assert minio_server.secret_key not in repr(minio_server)

    wrong_secret = "wrong-" + secrets.token_hex(12)
    bad = make_storage(minio_server, secret_key=wrong_secret)
    assert wrong_secret not in repr(bad)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(S3Error) as raised:
        bad.put_bytes("reports/city-a/flows/s.json", b"{}")
    assert raised.value.response.status == 403
    assert wrong_secret not in str(raised.value)
    assert wrong_secret not in repr(raised.value)
    good.put_bytes("reports/city-a/flows/s.json", b"{}")
    assert caplog.records  # urllib3 logged the requests at DEBUG ...
    assert minio_server.secret_key not in caplog.text  # ... without the secret
    assert wrong_secret not in caplog.text


@pytest.fixture
def iceberg_catalog(storage: S3Storage, tmp_path: Path) -> Iterator[SqlCatalog]:
    catalog = SqlCatalog(
        "junkan",
        uri=f"sqlite:///{tmp_path / 'catalog.db'}",
        warehouse=storage.warehouse_uri,
        **storage.fileio_properties(),
    )
    storage.ensure_bucket()  # pyiceberg writes into the bucket but never creates it
    yield catalog
    catalog.engine.dispose()


def test_pyiceberg_writes_and_reads_a_table_on_minio(storage: S3Storage, iceberg_catalog: SqlCatalog) -> None:
    rows = pa.table(
        {
            "member_id": pa.array(["city-a", "city-b", "univ-c"], pa.string()),
            "quantity_t": pa.array([1.5, 20.0, 0.25], pa.float64()),
        }
    )
    iceberg_catalog.create_namespace("core")
    table = iceberg_catalog.create_table("core.flows", schema=rows.schema)
    table.append(rows)

    read_back = iceberg_catalog.load_table("core.flows").scan().to_arrow().sort_by("member_id")
    assert read_back.column("member_id").to_pylist() == ["city-a", "city-b", "univ-c"]
    assert read_back.column("quantity_t").to_pylist() == [1.5, 20.0, 0.25]

    # The files really are in the bucket, under warehouse/<namespace>/<table>/.
    keys = [info.key for info in storage.list("warehouse/core/flows/")]
    assert any(key.startswith("warehouse/core/flows/data/") and key.endswith(".parquet") for key in keys)
    assert any(key.startswith("warehouse/core/flows/metadata/") and key.endswith(".metadata.json") for key in keys)
    assert table.metadata_location.startswith(f"s3://{storage.bucket}/warehouse/core/flows/metadata/")
