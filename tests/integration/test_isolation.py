"""Member users on a real MinIO: each member reaches its own inbox and reports and nothing else."""

from __future__ import annotations

import hashlib
import io
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from minio import Minio, MinioAdmin
from minio.credentials.providers import StaticProvider
from minio.error import MinioAdminException, S3Error
from pydantic import SecretStr

from infra.access.minio_admin import (
    AdminConnection,
    MemberCredentials,
    MinioAdminError,
    member_access_key,
    provision_member,
    revoke_member,
)
from tests.integration.conftest import MinioServer

pytestmark = pytest.mark.integration

OWN = "city-a"
OTHER = "firm-b"
OTHER_INBOX = f"inbox/{OTHER}/flows/theirs.csv"
OWN_REPORT = f"reports/{OWN}/flows/s1.json"
OTHER_REPORT = f"reports/{OTHER}/flows/s1.json"
WAREHOUSE = "warehouse/core/flows/data/part-0.parquet"
OWN_QUARANTINE = f"quarantine/{OWN}/flows/s1.parquet"


@dataclass(frozen=True)
class World:
    """A bucket with two provisioned members and one object in every area."""

    bucket: str
    admin: AdminConnection
    own: MemberCredentials
    other: MemberCredentials
    endpoint: str


def admin_of(server: MinioServer) -> AdminConnection:
    return AdminConnection(
        endpoint=server.endpoint, access_key=server.access_key, secret_key=SecretStr(server.secret_key)
    )


def client_for(world: World, credentials: MemberCredentials) -> Minio:
    """A plain S3 client as a member would configure it: no region, its own keys."""
    assert credentials.secret_key is not None
    return Minio(
        world.endpoint,
        access_key=credentials.access_key,
        secret_key=credentials.secret_key.get_secret_value(),
        secure=False,
    )


def put(client: Minio, bucket: str, key: str, data: bytes) -> None:
    client.put_object(bucket, key, io.BytesIO(data), len(data))


def get(client: Minio, bucket: str, key: str) -> bytes:
    response = client.get_object(bucket, key)
    try:
        return response.read()
    finally:
        response.close()
        response.release_conn()


def keys(client: Minio, bucket: str, prefix: str | None) -> list[str]:
    return [found.object_name or "" for found in client.list_objects(bucket, prefix=prefix, recursive=True)]


@pytest.fixture(scope="module")
def world(minio_server: MinioServer) -> World:
    """Two members on a fresh bucket; the root user seeds one object in every area."""
    admin = admin_of(minio_server)
    bucket = f"iso-{secrets.token_hex(5)}"
    for member_id in (OWN, OTHER):  # the MinIO is shared by the session: start from no such users
        revoke_member(admin=admin, member_id=member_id)
    own = provision_member(admin=admin, bucket=bucket, member_id=OWN)
    other = provision_member(admin=admin, bucket=bucket, member_id=OTHER)
    root = admin.s3_client()
    root.make_bucket(f"{bucket}-neighbour")  # a bucket the members must not even see
    for key in (OTHER_INBOX, OWN_REPORT, OTHER_REPORT, WAREHOUSE, OWN_QUARANTINE):
        put(root, bucket, key, key.encode())
    return World(bucket, admin, own, other, minio_server.endpoint)


@pytest.fixture(scope="module")
def member(world: World) -> Minio:
    return client_for(world, world.own)


def test_new_member_gets_a_fresh_secret(world: World) -> None:
    assert world.own.access_key == "member-city-a"
    assert world.own.policy_name == "junkan-member-city-a"
    assert world.own.created
    assert not world.own.rotated
    assert world.own.secret_key is not None
    assert len(world.own.secret_key.get_secret_value()) == 40  # token_urlsafe(30)
    assert world.own.secret_key != world.other.secret_key


def test_member_puts_gets_and_lists_its_inbox(world: World, member: Minio) -> None:
    put(member, world.bucket, f"inbox/{OWN}/flows/2024.csv", b"a,b\n1,2\n")
    put(member, world.bucket, f"inbox/{OWN}/targets/t.csv", b"x\n")
    assert get(member, world.bucket, f"inbox/{OWN}/flows/2024.csv") == b"a,b\n1,2\n"
    listed = keys(member, world.bucket, f"inbox/{OWN}/")
    assert listed == [f"inbox/{OWN}/flows/2024.csv", f"inbox/{OWN}/targets/t.csv"]


def test_member_uploads_a_multipart_file_to_its_inbox(world: World, member: Minio, tmp_path: Path) -> None:
    data = secrets.token_bytes(6 * 1024 * 1024 + 7)  # two parts of 5 MiB max
    path = tmp_path / "big.csv"
    path.write_bytes(data)
    key = f"inbox/{OWN}/flows/big.csv"
    member.fput_object(world.bucket, key, str(path), part_size=5 * 1024 * 1024)
    assert hashlib.sha256(get(member, world.bucket, key)).hexdigest() == hashlib.sha256(data).hexdigest()


def test_member_reads_and_lists_its_reports(world: World, member: Minio) -> None:
    assert get(member, world.bucket, OWN_REPORT) == OWN_REPORT.encode()
    assert keys(member, world.bucket, f"reports/{OWN}/") == [OWN_REPORT]


DENIED: dict[str, Callable[[Minio, str], object]] = {
    "put other inbox": lambda c, b: put(c, b, f"inbox/{OTHER}/flows/mine.csv", b"x"),
    "get other inbox": lambda c, b: get(c, b, OTHER_INBOX),
    "list other inbox": lambda c, b: keys(c, b, f"inbox/{OTHER}/"),
    "list inbox of everyone": lambda c, b: keys(c, b, "inbox/"),
    "list own id without slash": lambda c, b: keys(c, b, f"inbox/{OWN}"),
    "get warehouse": lambda c, b: get(c, b, WAREHOUSE),
    "list warehouse": lambda c, b: keys(c, b, "warehouse/"),
    "put warehouse": lambda c, b: put(c, b, "warehouse/core/flows/metadata/evil.json", b"{}"),
    "get own quarantine": lambda c, b: get(c, b, OWN_QUARANTINE),
    "list own quarantine": lambda c, b: keys(c, b, f"quarantine/{OWN}/"),
    "put quarantine": lambda c, b: put(c, b, f"quarantine/{OWN}/flows/x.parquet", b"x"),
    "get other report": lambda c, b: get(c, b, OTHER_REPORT),
    "list other reports": lambda c, b: keys(c, b, f"reports/{OTHER}/"),
    "write own reports": lambda c, b: put(c, b, f"reports/{OWN}/flows/fake.json", b"{}"),
    "bucket-wide listing": lambda c, b: keys(c, b, None),
    "delete in own inbox": lambda c, b: c.remove_object(b, f"inbox/{OWN}/flows/2024.csv"),
    "delete other inbox": lambda c, b: c.remove_object(b, OTHER_INBOX),
    "create bucket": lambda c, b: c.make_bucket(f"evil-{secrets.token_hex(4)}"),
}


@pytest.mark.parametrize("action", DENIED.values(), ids=DENIED.keys())
def test_member_is_denied(world: World, member: Minio, action: Callable[[Minio, str], object]) -> None:
    with pytest.raises(S3Error) as caught:
        action(member, world.bucket)
    assert caught.value.code == "AccessDenied"


def test_bucket_listing_shows_only_the_members_bucket(world: World, member: Minio) -> None:
    # MinIO answers ListBuckets for any user, filtered to buckets its policy mentions.
    assert [found.name for found in member.list_buckets()] == [world.bucket]
    assert world.admin.s3_client().bucket_exists(f"{world.bucket}-neighbour")


def test_neighbour_bucket_is_denied(world: World, member: Minio) -> None:
    with pytest.raises(S3Error) as caught:
        keys(member, f"{world.bucket}-neighbour", None)
    assert caught.value.code == "AccessDenied"


def test_denied_writes_leave_nothing_behind(world: World, member: Minio) -> None:
    with pytest.raises(S3Error):
        put(member, world.bucket, f"inbox/{OTHER}/flows/planted.csv", b"x")
    root = world.admin.s3_client()
    assert keys(root, world.bucket, f"inbox/{OTHER}/") == [OTHER_INBOX]


def test_member_cannot_call_the_admin_api(world: World) -> None:
    assert world.own.secret_key is not None
    provider = StaticProvider(world.own.access_key, world.own.secret_key.get_secret_value())
    as_member = MinioAdmin(endpoint=world.endpoint, credentials=provider, secure=False)
    with pytest.raises(MinioAdminException) as caught:
        as_member.user_list()
    assert "AccessDenied" in str(caught.value)
    with pytest.raises(MinioAdminException) as caught:
        as_member.policy_set("consoleAdmin", user=world.own.access_key)
    assert "AccessDenied" in str(caught.value)


def test_other_member_is_confined_the_same_way(world: World) -> None:
    other = client_for(world, world.other)
    assert get(other, world.bucket, OTHER_INBOX) == OTHER_INBOX.encode()
    with pytest.raises(S3Error) as caught:
        get(other, world.bucket, OWN_REPORT)
    assert caught.value.code == "AccessDenied"


def test_reprovisioning_keeps_the_secret_unless_rotating(
    minio_server: MinioServer, caplog: pytest.LogCaptureFixture
) -> None:
    admin = admin_of(minio_server)
    bucket = f"iso-{secrets.token_hex(5)}"
    caplog.set_level(logging.DEBUG)
    first = provision_member(admin=admin, bucket=bucket, member_id="univ-c")
    again = provision_member(admin=admin, bucket=bucket, member_id="univ-c")
    assert (again.created, again.rotated, again.secret_key) == (False, False, None)
    world = World(bucket, admin, first, first, minio_server.endpoint)
    put(client_for(world, first), bucket, "inbox/univ-c/flows/a.csv", b"1")  # old secret still valid

    rotated = provision_member(admin=admin, bucket=bucket, member_id="univ-c", rotate_secret=True)
    assert (rotated.created, rotated.rotated) == (False, True)
    assert rotated.secret_key is not None
    assert first.secret_key is not None
    assert rotated.secret_key.get_secret_value() != first.secret_key.get_secret_value()
    assert get(client_for(world, rotated), bucket, "inbox/univ-c/flows/a.csv") == b"1"
    with pytest.raises(S3Error) as caught:
        get(client_for(world, first), bucket, "inbox/univ-c/flows/a.csv")
    assert caught.value.code == "SignatureDoesNotMatch"

    for credentials in (first, rotated):
        assert credentials.secret_key is not None
        secret = credentials.secret_key.get_secret_value()
        assert secret not in caplog.text
        assert secret not in repr(credentials)
        assert secret not in str(credentials)
    assert "member univ-c" in caplog.text  # the log does say what happened


def test_revoke_removes_access_and_is_idempotent(minio_server: MinioServer) -> None:
    admin = admin_of(minio_server)
    bucket = f"iso-{secrets.token_hex(5)}"
    credentials = provision_member(admin=admin, bucket=bucket, member_id="corp-d")
    client = client_for(World(bucket, admin, credentials, credentials, minio_server.endpoint), credentials)
    put(client, bucket, "inbox/corp-d/flows/a.csv", b"1")

    assert revoke_member(admin=admin, member_id="corp-d") is True
    with pytest.raises(S3Error) as caught:
        put(client, bucket, "inbox/corp-d/flows/b.csv", b"2")
    assert caught.value.code == "InvalidAccessKeyId"
    assert revoke_member(admin=admin, member_id="corp-d") is False

    again = provision_member(admin=admin, bucket=bucket, member_id="corp-d")
    assert again.created
    assert again.secret_key is not None


def test_admin_errors_name_the_action_and_hide_secrets(minio_server: MinioServer) -> None:
    wrong = AdminConnection(
        endpoint=minio_server.endpoint,
        access_key=minio_server.access_key,
        secret_key=SecretStr("wrong-" + secrets.token_hex(8)),
    )
    with pytest.raises(MinioAdminError, match="could not store policy junkan-member-city-e") as caught:
        provision_member(admin=wrong, bucket=f"iso-{secrets.token_hex(5)}", member_id="city-e")
    assert "SignatureDoesNotMatch" in str(caught.value)
    assert wrong.secret_key.get_secret_value() not in str(caught.value)
    assert minio_server.secret_key not in repr(admin_of(minio_server))


def test_member_ids_that_are_not_safe_are_refused(minio_server: MinioServer) -> None:
    with pytest.raises(ValueError, match="member_id"):
        provision_member(admin=admin_of(minio_server), bucket="iso-unused", member_id="../root")
    assert member_access_key("city-a") == "member-city-a"
