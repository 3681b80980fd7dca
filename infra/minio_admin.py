"""MinIO-only administration: confined users (one per member, one per BI reader) and inbox notifications.

A member's user may write and read only `inbox/<member_id>/`, read only `reports/<member_id>/`, and list only
those two prefixes; everything else (other members, quarantine, the warehouse, bucket-wide listing, buckets,
admin calls) is denied by MinIO. Members may NOT delete, not even in their own inbox: an inbox file is the
evidence behind a ledger entry, and a mistake is corrected by submitting a new file, never by erasing one.
BI readers' policies are built in `infra/bi_access.py` and stored through the same `provision_user`.

Secrets (member secret keys, the admin secret, the webhook token) are held as `SecretStr`, sent only inside
MinIO's encrypted admin bodies, and never reach `repr`, logs or error messages.

Past ~400 lines: MinIO's admin API (users, policies, notifications) through one signed connection;
the policies are data.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from minio import Minio, MinioAdmin
from minio.credentials.providers import StaticProvider
from minio.error import MinioAdminException, S3Error
from minio.notificationconfig import NotificationConfig, PrefixFilterRule, QueueConfig
from pydantic import SecretStr

from infra.keys import check_member_id
from infra.settings import Settings
from infra.storage import INBOX, REPORTS

logger = logging.getLogger(__name__)

MEMBER_USER_PREFIX = "member-"
MEMBER_POLICY_PREFIX = "junkan-member-"
# 30 random bytes are 40 URL-safe characters: MinIO's maximum secret length, far beyond guessing.
SECRET_BYTES = 30
NOTIFY_EVENTS = ("s3:ObjectCreated:*",)
NOTIFY_PREFIX = f"{INBOX}/"
DEFAULT_QUEUE_LIMIT = 100_000
RESTART_TIMEOUT_S = 60.0
_POLL_S = 0.1
_TARGET_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
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


@dataclass(frozen=True)
class NotificationTarget:
    """The webhook target MinIO now sends a bucket's inbox events to."""

    target_name: str
    arn: str
    bucket: str
    events: tuple[str, ...]
    prefix: str
    restarted: bool


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
    _admin_call(f"store policy {policy_name}", lambda: client.policy_add(policy_name, policy=policy))
    existing = _user_info(client, access_key)
    secret: SecretStr | None = None
    if existing is None or rotate_secret:
        secret = SecretStr(secrets.token_urlsafe(SECRET_BYTES))
        value = secret.get_secret_value()
        _admin_call(f"create user {access_key}", lambda: client.user_add(access_key, value))
    elif existing.get("status") != "enabled":
        _admin_call(f"enable user {access_key}", lambda: client.user_enable(access_key))
    # Replaces whatever was attached before, so the user holds exactly this policy.
    _admin_call(f"attach policy {policy_name}", lambda: client.policy_set(policy_name, user=access_key))
    _ensure_bucket(admin, bucket)
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
        _admin_call(f"remove policy {policy_name}", lambda: client.policy_remove(policy_name))
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


def configure_notifications(
    *,
    admin: AdminConnection,
    bucket: str,
    webhook_endpoint: str,
    auth_token: str | SecretStr,
    queue_dir: Path,
    target_name: str = "junkan",
    queue_limit: int = DEFAULT_QUEUE_LIMIT,
    force_restart: bool = False,
    restart_timeout_s: float = RESTART_TIMEOUT_S,
) -> NotificationTarget:
    """Send `s3:ObjectCreated:*` events under `inbox/` to a webhook, queued in `queue_dir` while it is down.

    The receiver must be listening when this runs (MinIO tests the endpoint before saving it). MinIO applies
    notify targets only at start-up, so the server is restarted when the target's endpoint, queue or existence
    changed. MinIO never reveals a stored auth token: after changing only the token, pass `force_restart=True`.
    `queue_dir` is a path on the MinIO server's host.
    """
    token = auth_token if isinstance(auth_token, SecretStr) else SecretStr(auth_token)
    desired = _webhook_settings(webhook_endpoint, token, queue_dir, target_name, queue_limit)
    client = admin.admin_client()
    config_key = f"notify_webhook:{target_name}"
    stored = _stored_webhook(client, target_name)
    running = _running_webhooks(client)
    wanted_visible = {name: value for name, value in desired.items() if name not in ("auth_token", "enable")}
    needs_restart = force_restart or stored != wanted_visible or target_name not in running
    try:
        client.config_set(config_key, {name: value.get_secret_value() for name, value in desired.items()})
    except MinioAdminException as error:
        message = str(error).replace(token.get_secret_value(), "***")
        if "connection refused" in message or "offline" in message.lower():
            msg = (
                f"MinIO could not reach the webhook {webhook_endpoint}; start the receiver (junkan serve) first, "
                f"then configure notifications again ({message})"
            )
            raise MinioAdminError(msg) from None
        msg = f"MinIO refused notify target {config_key}: {message}"
        raise MinioAdminError(msg) from None
    if needs_restart:
        _restart_and_wait(admin, client, target_name=target_name, timeout_s=restart_timeout_s)
    arn = f"arn:minio:sqs:{_site_region(client)}:{target_name}:webhook"
    _ensure_bucket(admin, bucket)
    _set_bucket_queue(admin, bucket=bucket, arn=arn, config_id=target_name, timeout_s=restart_timeout_s)
    logger.info(
        "bucket %s: %s under %s sent to webhook %s (target %s, queue %s%s)",
        bucket,
        ", ".join(NOTIFY_EVENTS),
        NOTIFY_PREFIX,
        webhook_endpoint,
        target_name,
        queue_dir,
        ", MinIO restarted" if needs_restart else "",
    )
    return NotificationTarget(target_name, arn, bucket, NOTIFY_EVENTS, NOTIFY_PREFIX, restarted=needs_restart)


def _webhook_settings(
    endpoint: str, token: SecretStr, queue_dir: Path, target_name: str, queue_limit: int
) -> dict[str, SecretStr]:
    """Validated `notify_webhook` values; MinIO's config syntax is space-separated, so no value may hold spaces."""
    if not _TARGET_NAME.fullmatch(target_name):
        msg = f"notify target name {target_name!r} must be 1-64 letters, digits, '-' or '_'"
        raise ValueError(msg)
    parts = urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        msg = f"webhook endpoint {endpoint!r} must be an http:// or https:// URL with a host"
        raise ValueError(msg)
    if not queue_dir.is_absolute():
        msg = f"queue_dir {str(queue_dir)!r} must be an absolute path on the MinIO server's host"
        raise ValueError(msg)
    if queue_limit <= 0:
        msg = f"queue_limit must be positive, not {queue_limit}"
        raise ValueError(msg)
    raw_token = token.get_secret_value()
    if not raw_token or any(char.isspace() or char == '"' for char in raw_token):
        msg = "the webhook auth token must be non-empty, without spaces or quotes"
        raise ValueError(msg)
    values = {"endpoint": endpoint, "queue_dir": str(queue_dir), "queue_limit": str(queue_limit)}
    for name, value in values.items():
        if any(char.isspace() or char == '"' for char in value):
            msg = f"{name} {value!r} must not contain spaces or quotes (MinIO's config syntax)"
            raise ValueError(msg)
    return {
        **{name: SecretStr(value) for name, value in values.items()},
        "auth_token": token,
        "enable": SecretStr("on"),
    }


def _stored_webhook(client: MinioAdmin, target_name: str) -> dict[str, SecretStr]:
    """The stored, visible settings of one webhook target (MinIO omits the token), or {} when absent."""
    text = _admin_call("read notify_webhook config", lambda: client.config_get("notify_webhook"))
    for line in text.splitlines():
        head, _, rest = line.strip().partition(" ")
        if head == f"notify_webhook:{target_name}":
            pairs = (item.partition("=") for item in rest.split())
            return {key: SecretStr(value) for key, _, value in pairs if key in ("endpoint", "queue_dir", "queue_limit")}
    return {}


def _running_webhooks(client: MinioAdmin) -> set[str]:
    """Names of the webhook targets the running server has loaded."""
    return _targets_in(json.loads(_admin_call("read server info", client.info)))


def _site_region(client: MinioAdmin) -> str:
    """The server's configured region ('' unless set); it is part of notification ARNs."""
    text = _admin_call("read site config", lambda: client.config_get("site"))
    for item in text.split():
        key, _, value = item.partition("=")
        if key == "region":
            return value
    return ""


def _restart_and_wait(admin: AdminConnection, client: MinioAdmin, *, target_name: str, timeout_s: float) -> None:
    """Restart MinIO and return once the new process is live and has loaded the webhook target."""
    started = time.monotonic()
    _admin_call("restart MinIO", client.service_restart)
    seen_down = False
    last_problem = "no answer yet"
    while time.monotonic() - started < timeout_s:
        if not _is_live(admin):
            seen_down = True
            last_problem = "not live"
            time.sleep(_POLL_S)
            continue
        try:
            info = json.loads(client.info())
        except (MinioAdminException, ValueError, OSError) as error:
            last_problem = type(error).__name__
            time.sleep(_POLL_S)
            continue
        uptimes = [server.get("uptime") for server in info.get("servers", [])]
        fresh = seen_down or any(isinstance(up, int) and up <= time.monotonic() - started for up in uptimes)
        if fresh and target_name in _targets_in(info):
            logger.info("MinIO restarted in %.1f s", time.monotonic() - started)
            return
        last_problem = "restart not finished" if not fresh else f"target {target_name} not loaded"
        time.sleep(_POLL_S)
    msg = (
        f"MinIO at {admin.base_url} was not back within {timeout_s:.0f} s after a restart ({last_problem}); "
        "check its log"
    )
    raise MinioAdminError(msg)


def _targets_in(info: dict[str, Any]) -> set[str]:
    """Webhook target names in an admin info document."""
    names: set[str] = set()
    for entry in info.get("services", {}).get("notifications", []) or []:
        for target in entry.get("webhook", []) or []:
            names.update(target)
    return names


def _is_live(admin: AdminConnection) -> bool:
    """Whether MinIO answers its liveness probe."""
    try:
        with urllib.request.urlopen(f"{admin.base_url}/minio/health/live", timeout=2):  # noqa: S310 - our server
            return True
    except (urllib.error.URLError, OSError):
        return False


def _set_bucket_queue(admin: AdminConnection, *, bucket: str, arn: str, config_id: str, timeout_s: float) -> None:
    """Point the bucket's inbox events at `arn`, keeping its other notification rules."""
    client = admin.s3_client()
    current = client.get_bucket_notification(bucket)
    queues = [queue for queue in current.queue_config_list if queue.config_id != config_id and queue.queue != arn]
    ours = QueueConfig(
        queue=arn, events=list(NOTIFY_EVENTS), config_id=config_id, prefix_filter_rule=PrefixFilterRule(NOTIFY_PREFIX)
    )
    config = NotificationConfig(current.cloud_func_config_list, [*queues, ours], current.topic_config_list)
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            client.set_bucket_notification(bucket, config)
            return
        except S3Error as error:
            # Right after a restart the target may still be initialising; MinIO then rejects the ARN.
            if time.monotonic() >= deadline or error.code not in (
                "InvalidArgument",
                "XMinioAdminNotificationTargetNotFound",
            ):
                msg = f"could not set the notification of bucket {bucket} to {arn}: {error.code}: {error.message}"
                raise MinioAdminError(msg) from None
            time.sleep(_POLL_S)


def _ensure_bucket(admin: AdminConnection, bucket: str) -> None:
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


def _admin_call(action: str, call: Callable[[], str]) -> str:
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
