"""Settings read from the environment (prefix JUNKAN_) when called, never at import."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything that differs between a laptop, CI and production."""

    model_config = SettingsConfigDict(env_prefix="JUNKAN_", extra="ignore")

    home: Path = Field(default=Path(".junkan"), description="Root of local state: files, SQLite, logs")
    # URLs may carry a password: kept out of repr (and so out of logs and tracebacks).
    database_url: str | None = Field(default=None, repr=False, description="Ledger URL; default SQLite under home")
    catalog_url: str | None = Field(
        default=None, repr=False, description="Iceberg SqlCatalog URL; default the ledger URL"
    )
    storage_url: str | None = Field(default=None, description="file:///path or s3://bucket; default home/")

    s3_endpoint: str = "127.0.0.1:9000"
    s3_access_key: SecretStr = SecretStr("")
    s3_secret_key: SecretStr = SecretStr("")
    s3_region: str = "us-east-1"
    s3_secure: bool = False

    disclosure_min_contributors: int = Field(default=3, ge=1, description="Fewer members in a mart cell: suppressed")
    disclosure_dominance_share: float = Field(
        default=0.85, gt=0, le=1, description="Two largest members above this share of a mart cell: suppressed"
    )

    bi_connection_limit: int = Field(
        default=10, ge=1, description="Sessions a BI reader's database role may hold at once (junkan bi-access create)"
    )

    # events and deployments (junkan events, junkan serve)
    events_token: SecretStr = Field(default=SecretStr(""), description="Bearer token MinIO sends to the receiver")
    events_host: str = Field(default="127.0.0.1", description="Receiver address; loopback unless a proxy fronts it")
    events_port: int = Field(default=8401, ge=1, le=65535, description="Receiver port")
    prefect_api_url: str | None = Field(default=None, description="Prefect server API, e.g. http://127.0.0.1:4200/api")
    # without prefect_api_url (infra/devservers/prefect.py): one server in the background, reused by later commands
    prefect_server: Literal["background", "ephemeral"] = Field(
        default="background", description="background (started once, reused) or ephemeral (Prefect's in-process one)"
    )
    prefect_port: int | None = Field(default=None, ge=1, le=65535, description="Background server port; default free")
    prefect_start_timeout: float = Field(default=180.0, gt=0, description="Seconds to wait for the server's health")
    prefect_idle_stop: float = Field(
        default=3 * 3600.0,
        ge=0,
        description="A background server a command started stops itself after this many idle seconds (0: never); "
        "one started by `junkan server start` stays",
    )
    nightly_cron: str = Field(default="0 2 * * *", description="When the nightly sweep runs (cron)")
    release_cron: str | None = Field(
        default=None,
        description="When the release deployment releases every period (cron, e.g. after each reporting window); "
        "none: only when the secretariat runs it",
    )
    timezone: str = Field(default="Asia/Tokyo", description="Time zone of nightly_cron and of backfill dates")
    ingest_window_seconds: float = Field(
        default=30.0, ge=1.0, le=3600.0, description="Upload-event trigger fires at most once per window"
    )

    # how many submissions one validation call takes: bigger amortises GX's fixed cost, smaller bounds memory
    validation_batch_submissions: int = Field(default=500, ge=1, description="Most submissions per validation batch")
    validation_batch_bytes: int = Field(
        default=32 << 20,
        ge=1,
        description="Most file bytes per validation batch (a larger file is validated alone); bounds a worker's memory",
    )

    # where a flow's tasks run (flows/runners.py)
    task_runner: Literal["thread", "dask"] = Field(default="thread", description="thread (in-process) or dask")
    dask_address: str | None = Field(default=None, description="Dask scheduler address, e.g. tcp://10.0.0.5:8786")
    dask_workers: int = Field(default=2, ge=1, description="Worker processes of a local Dask cluster")

    # the members' portal (junkan portal, infra/portal/)
    portal_host: str = Field(default="127.0.0.1", description="Portal address; loopback unless a TLS proxy fronts it")
    portal_port: int = Field(default=8402, ge=1, le=65535, description="Portal port")
    portal_url: str | None = Field(
        default=None, description="The portal's address as members reach it (invitation links); default host:port"
    )
    portal_secret_key: SecretStr = Field(
        default=SecretStr(""),
        description="Signs sessions and CSRF tokens; default a random key kept in home/portal/secret-key",
    )
    portal_secure_cookies: bool = Field(default=False, description="Cookies only over HTTPS (set behind a TLS proxy)")
    portal_session_hours: float = Field(default=8.0, gt=0, description="A login lasts this many hours")
    portal_invitation_hours: float = Field(default=72.0, gt=0, description="An invitation link works this long")
    portal_login_max_failures: int = Field(default=5, ge=1, description="Failed logins in a row before a lock")
    portal_login_lock_seconds: float = Field(default=900.0, ge=1, description="How long a lock lasts")
    portal_login_failure_delay_seconds: float = Field(
        default=0.5, ge=0, description="First failed login's delay; doubles with each failure in a row"
    )
    portal_join_max_per_hour: int = Field(
        default=5, ge=1, description="Applications to join one client address may send in an hour (/join)"
    )
    portal_max_upload_bytes: int = Field(default=50 << 20, ge=1, description="Largest file one upload may hold")
    portal_max_upload_files: int = Field(default=20, ge=1, description="Most files in one upload")
    portal_ingest: Literal["run", "events"] = Field(
        default="run",
        description="run: the portal starts `junkan run` after an upload; events: MinIO's upload events do "
        "(`junkan events` and `junkan serve` run)",
    )

    log_file: Path | None = Field(default=None, description="Where library chatter goes; default home/logs")

    # --- input limits --- (owned with infra/readers/limits.py: names match `Limits` fields; defaults are its defaults)
    max_file_bytes: int = Field(default=1 << 30, ge=1, description="Largest submitted file in bytes")
    max_rows: int = Field(default=20_000_000, ge=1, description="Most rows (including blank ones) in a file")
    max_columns: int = Field(default=2_000, ge=1, description="Most columns in a file's header")
    max_field_chars: int = Field(default=10_000, ge=1, le=131_072, description="Longest value in characters")
    max_line_chars: int = Field(default=1_000_000, ge=1, description="Longest CSV record or JSON line in characters")
    max_uncompressed_bytes: int = Field(default=4 << 30, ge=1, description="Largest XLSX/Parquet when expanded")
    max_compression_ratio: float = Field(default=200.0, gt=1, description="Highest XLSX part compression ratio")
    max_json_depth: int = Field(default=32, ge=1, description="Deepest JSON nesting on one JSON Lines line")
    # --- end input limits ---

    @property
    def resolved_home(self) -> Path:
        """Absolute home, so every derived path is stable whatever the working directory."""
        return self.home.expanduser().resolve()

    @property
    def resolved_database_url(self) -> str:
        """The ledger's SQLAlchemy URL."""
        return self.database_url or f"sqlite:///{self.resolved_home / 'junkan.db'}"

    @property
    def resolved_catalog_url(self) -> str:
        """The Iceberg catalog's SQLAlchemy URL."""
        return self.catalog_url or self.resolved_database_url

    @property
    def resolved_storage_url(self) -> str:
        """Where inbox, quarantine, reports and warehouse live."""
        return self.storage_url or self.resolved_home.as_uri()

    @property
    def resolved_portal_url(self) -> str:
        """Where members open the portal: the address invitation links start with."""
        return (self.portal_url or f"http://{self.portal_host}:{self.portal_port}").rstrip("/")

    @property
    def resolved_log_file(self) -> Path:
        """Log file for Prefect, GX and library output kept off the terminal."""
        return self.log_file or self.resolved_home / "logs" / "junkan.log"


def get_settings() -> Settings:
    """Read settings from the environment now."""
    return Settings()
