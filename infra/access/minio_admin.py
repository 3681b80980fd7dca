"""MinIO-only administration: confined users (one per member, one per BI reader), over one admin connection.

A member's user may write and read only `inbox/<member_id>/`, read only `reports/<member_id>/`, and list only
those two prefixes; everything else (other members, quarantine, the warehouse, bucket-wide listing, buckets,
admin calls) is denied by MinIO. Members may NOT delete, not even in their own inbox: an inbox file is the
evidence behind a ledger entry, and a mistake is corrected by submitting a new file, never by erasing one.
BI readers' policies are built in `infra/access/bi_access.py` and stored through the same `provision_user`.

Secrets (member secret keys, the admin secret) are held as `SecretStr`, sent only inside MinIO's encrypted
admin bodies, and never reach `repr`, logs or error messages. Inbox notifications are in
`infra/events/minio_notifications.py`.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from minio import Minio, MinioAdmin
from minio.credentials.providers import StaticProvider
from minio.error import MinioAdminException, S3Error
from pydantic import SecretStr

from infra.settings import Settings
from infra.storage import INBOX, REPORTS
from infra.storage.keys import check_member_id

logger = logging.getLogger(__name__)

MEMBER_USER_PREFIX = "member-"
MEMBER_POLICY_PREFIX = "junkan-member-"
# 30 random bytes are 40 URL-safe characters: MinIO's maximum secret length, far beyond guessing.
SECRET_BYTES = 30
_NO_SUCH_USER = "XMinioAdminNoSuchUser"
_NO_SUCH_POLICY = "XMinioAdminNoSuchPolicy"


class MinioAdminError(RuntimeError):
    """A MinIO admin request failed; the message says what was attempted and what to do."""


@dataclass(frozen=True)
class AdminConnection:
    """Where MinIO is and the admin (root) credentials; the secret stays out of repr."""

    endpoint: str
    access_key: str
    secret_key: SecretStr = field(repr=False)
    secure: bool = False
    region: str = "us-east-1"

    @classmethod
    def from_settings(cls, settings: Settings) -> AdminConnection:
        """The admin connection described by JUNKAN_S3_* settings."""
        return cls(
            endpoint=settings.s3_endpoint,
            access_key=settings.s3_access_key.get_secret_value(),
            secret_key=settings.s3_secret_key,
            secure=settings.s3_secure,
            region=settings.s3_region,
        )

    @property
    def base_url(self) -> str:
        """`http(s)://host:port` of the server."""
        return f"{'https' if self.secure else 'http'}://{self.endpoint}"

    def admin_client(self) -> MinioAdmin:
        """A MinioAdmin client for this server."""
        provider = StaticProvider(self.access_key, self.secret_key.get_secret_value())
        return MinioAdmin(endpoint=self.endpoint, credentials=provider, secure=self.secure)

    def s3_client(self) -> Minio:
        """An S3 client with the admin credentials (bucket creation, bucket notification)."""
        return Minio(
            self.endpoint,
            access_key=self.access_key,
            secret_key=self.secret_key.get_secret_value(),
            region=self.region,
            secure=self.secure,
        )


@dataclass(frozen=True)
class MemberCredentials:
    """A member's own MinIO login; `secret_key` is None when an existing user kept its secret (no rotation)."""

    member_id: str
    access_key: str
    secret_key: SecretStr | None = field(repr=False)
    policy_name: str
    bucket: str
    created: bool
    rotated: bool


def member_access_key(member_id: str) -> str:
    """MinIO access key of a member's user.

    Examples:
        >>> member_access_key("city-kitakyushu")
        'member-city-kitakyushu'

    """
    return MEMBER_USER_PREFIX + check_member_id(member_id)


def member_policy_name(member_id: str) -> str:
    """Name of the canned policy that confines a member to its own prefixes.

    Examples:
        >>> member_policy_name("city-kitakyushu")
        'junkan-member-city-kitakyushu'

    """
    return MEMBER_POLICY_PREFIX + check_member_id(member_id)


def member_policy(*, bucket: str, member_id: str) -> dict[str, Any]:
    """IAM policy: put/get/list in `inbox/<member_id>/`, get/list in `reports/<member_id>/`, nothing else."""
    check_member_id(member_id)
    bucket_arn = f"arn:aws:s3:::{bucket}"
    inbox = f"{INBOX}/{member_id}/"
    reports = f"{REPORTS}/{member_id}/"
    return {
        "Version": "2012-10-17",
        "Statement": [
            # S3 clients ask for the bucket's region before anything else; it reveals nothing else.
            {"Sid": "BucketRegion", "Effect": "Allow", "Action": ["s3:GetBucketLocation"], "Resource": [bucket_arn]},
            {
                "Sid": "ListOwnPrefixes",
                "Effect": "Allow",
                "Action": ["s3:ListBucket"],
                "Resource": [bucket_arn],
                "Condition": {"StringLike": {"s3:prefix": [f"{inbox}*", f"{reports}*"]}},
            },
            {
                "Sid": "WriteOwnInbox",
                "Effect": "Allow",
                "Action": [
                    "s3:PutObject",
                    "s3:GetObject",
                    "s3:AbortMultipartUpload",
                    "s3:ListMultipartUploadParts",
                ],
                "Resource": [f"{bucket_arn}/{inbox}*"],
            },
            {
                "Sid": "ReadOwnReports",
                "Effect": "Allow",
                "Action": ["s3:GetObject"],
                "Resource": [f"{bucket_arn}/{reports}*"],
            },
        ],
    }


@dataclass(frozen=True)
class UserGrant:
    """A MinIO user holding exactly one policy; `secret_key` is None when an existing user kept its secret."""

    access_key: str
    secret_key: SecretStr | None = field(repr=False)
    policy_name: str
    created: bool
    rotated: bool


def provision_user(
    *,
    admin: AdminConnection,
    bucket: str,
    access_key: str,
    policy_name: str,
    policy: dict[str, Any],
    rotate_secret: bool = False,
) -> UserGrant:
    """Store `policy`, create (or enable) the user and attach exactly that policy; a new secret only when needed.

    The one path for every confined user junkan hands out (members, BI readers): a new secret for a new user or
    when rotating, the existing one kept otherwise.
    """
    client = admin.admin_client()
    admin_call(f"store policy {policy_name}", lambda: client.policy_add(policy_name, policy=policy))
    existing = _user_info(client, access_key)
    secret: SecretStr | None = None
    if existing is None or rotate_secret:
        secret = SecretStr(secrets.token_urlsafe(SECRET_BYTES))
        value = secret.get_secret_value()
        admin_call(f"create user {access_key}", lambda: client.user_add(access_key, value))
    elif existing.get("status") != "enabled":
        admin_call(f"enable user {access_key}", lambda: client.user_enable(access_key))
    # Replaces whatever was attached before, so the user holds exactly this policy.
    admin_call(f"attach policy {policy_name}", lambda: client.policy_set(policy_name, user=access_key))
    ensure_bucket(admin, bucket)
    created = existing is None
    return UserGrant(access_key, secret, policy_name, created=created, rotated=not created and rotate_secret)


def revoke_user(*, admin: AdminConnection, access_key: str, policy_name: str) -> bool:
    """Remove a user and its policy at once; True when something existed (revoking twice is harmless)."""
    client = admin.admin_client()
    removed = False
    try:
        client.user_remove(access_key)
        removed = True
    except MinioAdminException as error:
        if _admin_error_code(error) != _NO_SUCH_USER:
            raise _admin_failure(f"remove user {access_key}", error) from None
    # Removing a missing policy succeeds silently in MinIO, so ask first.
    try:
        client.policy_info(policy_name)
    except MinioAdminException as error:
        if _admin_error_code(error) != _NO_SUCH_POLICY:
            raise _admin_failure(f"read policy {policy_name}", error) from None
    else:
        admin_call(f"remove policy {policy_name}", lambda: client.policy_remove(policy_name))
        removed = True
    return removed


def provision_member(
    *, admin: AdminConnection, bucket: str, member_id: str, rotate_secret: bool = False
) -> MemberCredentials:
    """Create (or update) a member's user and policy; a new secret only for a new user or when rotating."""
    grant = provision_user(
        admin=admin,
        bucket=bucket,
        access_key=member_access_key(member_id),
        policy_name=member_policy_name(member_id),
        policy=member_policy(bucket=bucket, member_id=member_id),
        rotate_secret=rotate_secret,
    )
    logger.info(
        "member %s: MinIO user %s %s with policy %s on bucket %s",
        member_id,
        grant.access_key,
        "created" if grant.created else ("updated, secret rotated" if grant.rotated else "updated, secret kept"),
        grant.policy_name,
        bucket,
    )
    return MemberCredentials(
        member_id,
        grant.access_key,
        grant.secret_key,
        grant.policy_name,
        bucket,
        created=grant.created,
        rotated=grant.rotated,
    )


def revoke_member(*, admin: AdminConnection, member_id: str) -> bool:
    """Remove a member's user and policy at once; True when something existed (revoking twice is harmless)."""
    removed = revoke_user(
        admin=admin, access_key=member_access_key(member_id), policy_name=member_policy_name(member_id)
    )
    logger.info("member %s: MinIO access %s", member_id, "revoked" if removed else "was already absent")
    return removed


def ensure_bucket(admin: AdminConnection, bucket: str) -> None:
    """Create the bucket with the admin credentials unless it exists."""
    client = admin.s3_client()
    if not client.bucket_exists(bucket):
        try:
            client.make_bucket(bucket)
            logger.info("created bucket s3://%s", bucket)
        except S3Error as error:
            if error.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise


def _user_info(client: MinioAdmin, access_key: str) -> dict[str, Any] | None:
    """A user's info, or None when it does not exist."""
    try:
        info: dict[str, Any] = json.loads(client.user_info(access_key))
    except MinioAdminException as error:
        if _admin_error_code(error) == _NO_SUCH_USER:
            return None
        raise _admin_failure(f"read user {access_key}", error) from None
    return info


def admin_call(action: str, call: Callable[[], str]) -> str:
    """Run an admin call; a failure becomes MinioAdminError naming the action (never the request body)."""
    try:
        return str(call())
    except MinioAdminException as error:
        raise _admin_failure(action, error) from None


def _admin_failure(action: str, error: MinioAdminException) -> MinioAdminError:
    """MinioAdminError from MinIO's JSON error body."""
    body = _admin_error_body(error)
    detail = f"{body.get('Code', 'error')}: {body.get('Message', str(error))}" if body else str(error)
    hint = " (the admin credentials may lack admin rights)" if getattr(error, "_code", "") == "403" else ""
    return MinioAdminError(f"MinIO admin could not {action}: {detail}{hint}")


def _admin_error_body(error: MinioAdminException) -> dict[str, Any]:
    """MinIO's JSON error document from an admin exception, or {}."""
    try:
        body = json.loads(str(getattr(error, "_body", "")) or "{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _admin_error_code(error: MinioAdminException) -> str | None:
    """The `Code` of an admin error, e.g. XMinioAdminNoSuchUser."""
    code = _admin_error_body(error).get("Code")
    return str(code) if code is not None else None
