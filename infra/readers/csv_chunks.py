"""Read a large CSV in bounded chunks: the same rows `read_table` gives, without holding the whole file.

`read_table` reads a CSV whole (bytes, decoded text, a transcoded copy and the frame), which a 5-million
row file cannot afford. `read_csv_chunks` streams the file in blocks instead: it checks the encoding as
`detect_encoding` does (CP932 is transcoded block by block into a UTF-8 work file), then reads the UTF-8
text slice by slice with the same Polars fast path `read_table` uses. Every condition of that fast path
is a property of single lines (no NUL, no lone CR, quotes only around one-line fields, line, field and
row limits), so checking it slice by slice, with slices cut at line ends, decides exactly what checking
the whole file decides. Anything else, including every file `read_table` would reject, gives None: the
caller then uses `read_table`, which reads it exactly or names what is wrong.
"""

from __future__ import annotations

import codecs
import tempfile
from collections.abc import Generator, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from infra.readers.common import Layout, unnamed_ignored
from infra.readers.csv_fast import FastRows, csv_fast_layout, read_csv_fast_rows
from infra.readers.encoding import ENCODING_SAMPLE_CHARS, cp932_stray_byte, looks_like_shift_jis, reject_binary
from infra.readers.limits import DEFAULT_LIMITS, MIB, Limits, check_file_size
from schemas.contract import Contract
from schemas.errors import FileRejected

BLOCK_BYTES = 8 * MIB
# A slice of lines is also cut at this many bytes, so a file of long lines keeps chunks small too.
CHUNK_BYTES = 64 * MIB


class _NotExact(Exception):
    """The file cannot be read in chunks exactly as `read_table` reads it."""


class _NotUtf8(_NotExact):
    """The file is not UTF-8 (it may still be CP932)."""


@dataclass(frozen=True)
class _Span:
    """A slice of complete lines of the UTF-8 text: byte offset, byte length, line number of its first line."""

    offset: int
    length: int
    first_line: int


@dataclass(frozen=True)
class _Plan:
    """What `frames()` needs to read the slices again: the header line and where each slice lies."""

    contract: Contract
    limits: Limits
    header_line: bytes
    header: list[str]
    layout: Layout
    spans: tuple[_Span, ...]


@dataclass(frozen=True)
class _Options:
    contract: Contract
    limits: Limits
    file: str
    chunk_rows: int
    block_bytes: int
    chunk_bytes: int


@dataclass(frozen=True)
class CsvChunks:
    """A large CSV read chunk by chunk: the same rows read_table would give, in bounded pieces."""

    encoding: str
    ignored_columns: tuple[str, ...]
    n_rows: int
    n_blank_rows: int
    text_file: Path  # the UTF-8 text frames() reads: the submitted file itself or the work file
    work_file: Path | None  # the transcoded copy under workdir (CP932), for the caller to delete
    plan: _Plan = field(repr=False)

    def frames(self) -> Iterator[pl.DataFrame]:
        """Each chunk's rows (`source_row` + the contract's read columns as text), in file order.

        Only chunks holding rows are given, except that a file without rows gives one empty frame. Each
        call reads the UTF-8 text again.
        """
        plan = self.plan
        if not plan.spans:
            yield _parse(plan, plan.header_line, 2).frame
            return
        with self.text_file.open("rb") as stream:
            for span in plan.spans:
                stream.seek(span.offset)
                yield _parse(plan, plan.header_line + stream.read(span.length), span.first_line).frame


def read_csv_chunks(
    path: Path,
    contract: Contract,
    *,
    workdir: Path,
    name: str | None = None,
    limits: Limits | None = None,
    chunk_rows: int = 250_000,
    block_bytes: int = BLOCK_BYTES,
    chunk_bytes: int = CHUNK_BYTES,
) -> CsvChunks | None:
    """Read a CSV as `read_table` would, in chunks of at most `chunk_rows` rows, with memory bounded by a chunk.

    None when the file cannot be read in chunks exactly (then the caller uses read_table, which also
    gives any rejection). A CP932 file is transcoded to a UTF-8 work file under `workdir`.
    """
    if chunk_rows < 1 or block_bytes < 1 or chunk_bytes < 1:
        msg = (
            f"chunk_rows, block_bytes and chunk_bytes must be positive, not {chunk_rows}, {block_bytes}, {chunk_bytes}"
        )
        raise ValueError(msg)
    file = name or path.name
    limits = limits or DEFAULT_LIMITS
    if path.suffix.lower() != ".csv":
        return None
    with path.open("rb") as stream:
        head = stream.read(4)
    try:
        check_file_size(path, file, limits)
        reject_binary(file, head)
    except FileRejected:
        return None
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None
    bom = len(codecs.BOM_UTF8) if head.startswith(codecs.BOM_UTF8) else 0
    options = _Options(contract, limits, file, chunk_rows, block_bytes, chunk_bytes)
    try:
        return _read(path, bom, "utf-8-sig" if bom else "utf-8", options, validate=True, work_file=None)
    except _NotUtf8:
        if bom:
            return None
    except _NotExact:
        # Found on the first lines; when later bytes are not UTF-8, read_table reads the file as CP932.
        if bom or _is_utf8(path, block_bytes):
            return None
    workdir.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=workdir, prefix="utf8-", suffix=".csv", delete=False) as handle:
        work = Path(handle.name)
    try:
        _transcode_cp932(path, work, block_bytes)
        return _read(work, 0, "cp932", options, validate=False, work_file=work)
    except _NotExact:
        work.unlink(missing_ok=True)
        return None
    except BaseException:
        work.unlink(missing_ok=True)
        raise


def _parse(plan: _Plan, body: bytes, first_line: int) -> FastRows:
    rows = read_csv_fast_rows(body, plan.header, plan.layout, plan.contract, plan.limits, first_line=first_line)
    if rows is None:
        msg = "the CSV text changed while it was being read in chunks"
        raise RuntimeError(msg)
    return rows


def _blocks(path: Path, offset: int, size: int, *, validate: bool) -> Generator[bytes]:
    """The file's bytes from `offset` in blocks; with `validate`, raise `_NotUtf8` at the first non-UTF-8 byte."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as stream:
        stream.seek(offset)
        while block := stream.read(size):
            if validate:
                try:
                    decoder.decode(block)
                except UnicodeDecodeError:
                    raise _NotUtf8 from None
            yield block
    if validate:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise _NotUtf8 from None


def _is_utf8(path: Path, size: int) -> bool:
    try:
        for _ in _blocks(path, 0, size, validate=True):
            pass
    except _NotUtf8:
        return False
    return True


def _transcode_cp932(path: Path, work: Path, size: int) -> None:
    """Write the file as UTF-8 when `detect_encoding` would read it as CP932, else raise `_NotExact`."""
    decoder = codecs.getincrementaldecoder("cp932")()
    sample: list[str] = []
    sampled = 0
    with path.open("rb") as source, work.open("wb") as target:
        while True:
            block = source.read(size)
            try:
                text = decoder.decode(block, final=not block)
            except UnicodeDecodeError:
                raise _NotExact from None
            # Stray bytes decode to single characters, so searching piece by piece finds what a whole search does.
            if cp932_stray_byte(text) is not None:
                raise _NotExact
            if sampled < ENCODING_SAMPLE_CHARS:
                sample.append(text[: ENCODING_SAMPLE_CHARS - sampled])
                sampled += len(sample[-1])
            target.write(text.encode("utf-8"))
            if not block:
                break
    if not looks_like_shift_jis("".join(sample)):
        raise _NotExact


def _read(
    path: Path, start: int, encoding: str, options: _Options, *, validate: bool, work_file: Path | None
) -> CsvChunks:
    """Check and count every slice of the UTF-8 text from `start`, remembering where each slice lies."""
    with closing(_blocks(path, start, options.block_bytes, validate=validate)) as blocks:
        return _read_blocks(blocks, start, encoding, options, path=path, work_file=work_file)


def _read_blocks(
    blocks: Iterator[bytes], start: int, encoding: str, options: _Options, *, path: Path, work_file: Path | None
) -> CsvChunks:
    limits = options.limits
    # A line the fast path accepts has at most 3 characters per counted character (quotes doubled, commas).
    max_line_bytes = 12 * limits.max_line_chars + 8
    header_line, rest = _first_line(blocks, max_line_bytes)
    if not header_line:
        raise _NotExact
    found = csv_fast_layout(header_line, options.contract, options.file, limits)
    if found is None:
        raise _NotExact
    header, layout = found
    if read_csv_fast_rows(header_line, header, layout, options.contract, limits) is None:
        raise _NotExact
    spans: list[_Span] = []
    offset = start + len(header_line)
    line = 2
    n_rows = n_blank = 0
    used: set[int] = set()
    if header_line.endswith(b"\n"):
        for piece in _slices(rest, rows=options.chunk_rows, max_bytes=options.chunk_bytes, max_line=max_line_bytes):
            rows = read_csv_fast_rows(header_line + piece, header, layout, options.contract, limits, first_line=line)
            if rows is None:
                raise _NotExact
            if rows.frame.height:  # a slice of blank lines is counted, not read again
                spans.append(_Span(offset, len(piece), line))
            offset += len(piece)
            line += piece.count(b"\n") + (not piece.endswith(b"\n"))
            n_rows += rows.frame.height
            n_blank += rows.n_blank_rows
            used.update(rows.unnamed_used)
    plan = _Plan(options.contract, limits, header_line, header, layout, tuple(spans))
    ignored = (*layout.ignored, *unnamed_ignored(used))
    return CsvChunks(encoding, ignored, n_rows, n_blank, path, work_file, plan)


def _first_line(blocks: Iterator[bytes], max_line: int) -> tuple[bytes, Iterator[bytes]]:
    """The first line (with its line end) and the blocks after it."""
    buffer = bytearray()
    for block in blocks:
        end = block.find(b"\n")
        if end >= 0:
            buffer += block[: end + 1]
            return bytes(buffer), _chain(block[end + 1 :], blocks)
        buffer += block
        if len(buffer) > max_line:
            raise _NotExact
    return bytes(buffer), iter(())


def _chain(first: bytes, blocks: Iterator[bytes]) -> Iterator[bytes]:
    if first:
        yield first
    yield from blocks


def _slices(blocks: Iterator[bytes], *, rows: int, max_bytes: int, max_line: int) -> Iterator[bytes]:
    """Consecutive slices of complete lines, each of at most `rows` lines and (unless one line is longer) `max_bytes`.

    The last slice may end without a line end, as the file does. A line longer than `max_line` bytes
    raises `_NotExact`: the fast path would refuse it, and holding it could cost any memory.
    """
    buffer = bytearray()
    start = 0  # where the lines not yet given begin
    complete = 0  # line ends in buffer[start:]
    for block in blocks:
        del buffer[:start]
        start = 0
        buffer += block
        complete += block.count(b"\n")
        while complete >= rows or (complete and len(buffer) - start >= max_bytes):
            cut = _after_line_end(buffer, start, complete, rows)
            if cut - start > max_bytes:
                within = buffer.rfind(b"\n", start, start + max_bytes) + 1
                cut = within or buffer.find(b"\n", start) + 1
            piece = bytes(buffer[start:cut])
            start = cut
            complete -= piece.count(b"\n")
            yield piece
        last = buffer.rfind(b"\n", start)
        if len(buffer) - (start if last < 0 else last + 1) > max_line:
            raise _NotExact
    if len(buffer) > start:
        yield bytes(buffer[start:])


def _after_line_end(buffer: bytearray, start: int, complete: int, rows: int) -> int:
    """The position just after the `rows`-th line end from `start` (the last one when there are fewer)."""
    taken = min(rows, complete)
    if taken <= complete - taken:  # fewer steps from the front
        cut = start
        for _ in range(taken):
            cut = buffer.find(b"\n", cut) + 1
        return cut
    cut = len(buffer)
    for _ in range(complete - taken + 1):
        cut = buffer.rfind(b"\n", start, cut)
    return cut + 1
