"""Files members upload through the portal or its API: checked, put in the member's inbox, and on the way.

The same inbox keys as `junkan submit` and an S3 upload (`infra.storage.keys.inbox_key`), so from the inbox on
a portal file is every other file: MinIO's upload event (or the `junkan run` the portal starts on a local
installation) ingests it, the one judging path validates it, its report is the member report.
"""

from __future__ import annotations

import hashlib
import logging
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from infra.readers.recognition import recognise_dataset
from infra.resources import Resources
from infra.settings import Settings
from infra.storage.keys import inbox_key
from schemas.datasets import DATASET_SPECS, MEMBER_DATASETS

logger = logging.getLogger(__name__)


class UploadRefused(ValueError):
    """An upload the portal refuses as a whole; `code` is a catalogue key, `fields` fill it."""

    def __init__(self, code: str, **fields: object) -> None:
        super().__init__(code)
        self.code = code
        self.fields = fields


@dataclass(frozen=True)
class Upload:
    """A file put in a member's inbox."""

    file_name: str
    dataset: str
    key: str
    sha256: str
    size: int


def check_upload(files: list[tuple[str, bytes]], settings: Settings) -> None:
    """Refuse an upload with too many files, an empty one or one above the size limit, naming the file."""
    if not files:
        raise UploadRefused("upload.no_files")
    if len(files) > settings.portal_max_upload_files:
        raise UploadRefused("upload.too_many", n=len(files), most=settings.portal_max_upload_files)
    for name, data in files:
        if len(data) > settings.portal_max_upload_bytes:
            raise UploadRefused("upload.too_large", file=name, most_mb=settings.portal_max_upload_bytes / (1 << 20))
        if not data:
            raise UploadRefused("upload.empty", file=name)


def put_uploads(
    resources: Resources, member_id: str, files: list[tuple[str, bytes]], *, dataset: str | None
) -> list[Upload]:
    """Check the files, recognise each one's dataset when none is given, and put them in the member's inbox."""
    check_upload(files, resources.settings)
    if dataset is not None and dataset not in MEMBER_DATASETS:
        raise UploadRefused("upload.unknown_dataset", dataset=dataset)
    contracts = {name: DATASET_SPECS[name].contract for name in MEMBER_DATASETS}
    planned: list[tuple[str, str, bytes]] = []
    for name, data in files:
        found = dataset or recognise_dataset(name, data, contracts)
        if found is None:
            raise UploadRefused("upload.not_recognised", file=name)
        try:
            key = inbox_key(member_id, found, name)
        except ValueError as error:
            raise UploadRefused("upload.bad_name", file=name, why=str(error)) from None
        if any(key == other for other, _, _ in planned):
            raise UploadRefused("upload.same_name", file=name)
        planned.append((key, found, data))
    uploads = []
    for (name, data), (key, found, _) in zip(files, planned, strict=True):
        resources.storage.put_bytes(key, data)
        uploads.append(Upload(name, found, key, hashlib.sha256(data).hexdigest(), len(data)))
    logger.info("portal upload: %d file(s) into the inbox of %s", len(uploads), member_id)
    return uploads


class RunStarter:
    """Starts `junkan run` (the nightly sweep: new inbox files, withdrawals) in the background, one at a time.

    A request while a run goes on is remembered, and one more run follows: files that arrived during a run are
    never left waiting for the night. `close` (the portal stopping) stops the run going on: a run is a child of the
    portal, never left behind it.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._wanted = False
        self._running = False
        self._closed = False
        self._process: subprocess.Popen[bytes] | None = None

    def request(self) -> None:
        """Ask for a run soon."""
        with self._lock:
            if self._closed:
                return
            self._wanted = True
            if self._running:
                return
            self._running = True
        threading.Thread(target=self._loop, name="junkan-portal-run", daemon=True).start()

    def close(self, *, timeout: float = 5.0) -> None:
        """Start no more runs and stop the one going on.

        A `junkan` command stops within seconds on SIGTERM (flows/cli/stops.py), and every step is idempotent: the
        next run, or the night's, takes up the files this one left.
        """
        with self._lock:
            self._closed = True
            self._wanted = False
            process = self._process
        if process is None or process.poll() is not None:
            return
        logger.info("stopping the junkan run the portal started (pid %d)", process.pid)
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def command(self) -> list[str]:
        """The run's command line: this environment's `junkan run`."""
        junkan = Path(sys.executable).with_name("junkan")
        if junkan.exists():
            return [str(junkan), "run"]
        return [sys.executable, "-c", "import flows.entry as e; e.main()", "run"]

    def _loop(self) -> None:
        while True:
            with self._lock:
                if not self._wanted:
                    self._running = False
                    return
                self._wanted = False
            self._run_once()

    def _run_once(self) -> None:
        log = self.settings.resolved_home / "logs" / "portal-runs.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("ab") as output, self._lock:
            if self._closed:
                return
            self._process = subprocess.Popen(  # noqa: S603 - our own command
                self.command(), stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT
            )
        code = self._process.wait()
        if code != 0:
            logger.warning("junkan run started by the portal ended with exit %d (see %s)", code, log)
