"""A junkan installation on the session's servers, as the portal's and the event ingest's tests set one up.

Its environment (storage in a bucket of its own on MinIO, flow runs on the session's Prefect server, nothing
inherited of the developer's JUNKAN_ or PREFECT_ settings, no warm worker), its bucket, the real CLI run on it, and
a background command stopped the way an operator stops one.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest
from minio import Minio

from tests.integration.conftest import MinioServer

JUNKAN = Path(sys.executable).parent / "junkan"


def make_bucket(minio_server: MinioServer, prefix: str) -> str:
    """A new bucket of the installation, made up front: Iceberg's first metadata is written before S3Storage would."""
    bucket = f"{prefix}-{secrets.token_hex(4)}"
    Minio(
        minio_server.endpoint, access_key=minio_server.access_key, secret_key=minio_server.secret_key, secure=False
    ).make_bucket(bucket)
    return bucket


def installation_env(
    minio_server: MinioServer, *, home: Path, bucket: str, prefect_api_url: str, extra: Mapping[str, str]
) -> dict[str, str]:
    """The CLI's environment for an installation storing in `bucket`, with `extra` settings of the test's own."""
    return {
        **{name: value for name, value in os.environ.items() if not name.startswith(("JUNKAN_", "PREFECT_"))},
        "JUNKAN_HOME": str(home),
        "JUNKAN_WORKER": "off",  # the warm worker has its own tests (test_worker.py)
        "JUNKAN_STORAGE_URL": f"s3://{bucket}",
        "JUNKAN_S3_ENDPOINT": minio_server.endpoint,
        "JUNKAN_S3_ACCESS_KEY": minio_server.access_key,
        "JUNKAN_S3_SECRET_KEY": minio_server.secret_key,
        "JUNKAN_PREFECT_API_URL": prefect_api_url,
        **extra,
    }


def run_cli(args: tuple[str, ...], *, env: dict[str, str], cwd: Path, timeout: float) -> str:
    """Run the real CLI on the installation; its output (a failure fails the test with both outputs)."""
    done = subprocess.run(  # noqa: S603 - our own CLI, fixed arguments
        [str(JUNKAN), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        pytest.fail(f"junkan {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


def stop(process: subprocess.Popen[bytes], *, timeout: float) -> None:
    """Stop a background command with SIGTERM (its normal shutdown); killed if it has not stopped within `timeout`."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
