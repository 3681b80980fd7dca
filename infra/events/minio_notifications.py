"""MinIO webhook notifications: the inbox's new objects announced to junkan's events receiver.

The webhook target and its token are set through MinIO's admin API (`infra.access.minio_admin.AdminConnection`);
the token is a `SecretStr`, sent only inside MinIO's encrypted admin bodies, never logged.
"""

from __future__ import annotations

import json
import logging
import re
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from minio import MinioAdmin
from minio.error import MinioAdminException, S3Error
from minio.notificationconfig import NotificationConfig, PrefixFilterRule, QueueConfig
from pydantic import SecretStr

from infra.access.minio_admin import AdminConnection, MinioAdminError, admin_call, ensure_bucket
from infra.storage import INBOX

logger = logging.getLogger(__name__)

NOTIFY_EVENTS = ("s3:ObjectCreated:*",)
NOTIFY_PREFIX = f"{INBOX}/"
DEFAULT_QUEUE_LIMIT = 100_000
RESTART_TIMEOUT_S = 60.0
_POLL_S = 0.1
_TARGET_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@dataclass(frozen=True)
class NotificationTarget:
    """The webhook target MinIO now sends a bucket's inbox events to."""

    target_name: str
    arn: str
    bucket: str
    events: tuple[str, ...]
    prefix: str
    restarted: bool


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
    ensure_bucket(admin, bucket)
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
    text = admin_call("read notify_webhook config", lambda: client.config_get("notify_webhook"))
    for line in text.splitlines():
        head, _, rest = line.strip().partition(" ")
        if head == f"notify_webhook:{target_name}":
            pairs = (item.partition("=") for item in rest.split())
            return {key: SecretStr(value) for key, _, value in pairs if key in ("endpoint", "queue_dir", "queue_limit")}
    return {}


def _running_webhooks(client: MinioAdmin) -> set[str]:
    """Names of the webhook targets the running server has loaded."""
    return _targets_in(json.loads(admin_call("read server info", client.info)))


def _site_region(client: MinioAdmin) -> str:
    """The server's configured region ('' unless set); it is part of notification ARNs."""
    text = admin_call("read site config", lambda: client.config_get("site"))
    for item in text.split():
        key, _, value = item.partition("=")
        if key == "region":
            return value
    return ""


def _restart_and_wait(admin: AdminConnection, client: MinioAdmin, *, target_name: str, timeout_s: float) -> None:
    """Restart MinIO and return once the new process is live and has loaded the webhook target."""
    started = time.monotonic()
    admin_call("restart MinIO", client.service_restart)
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
