"""Reading an uploaded CSV: the size limit, the encoding, the delimiter, the header and rows.

Everything a person can get wrong about a file is a ``ServiceError`` with a message saying
what to fix, never an exception of the csv module: an empty file, a header alone, a binary
file (a spreadsheet saved as .xlsx, say), a file over the limit.
"""

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

from crm.services import ServiceError

MAX_BYTES = 50 * 1024 * 1024
READ_BLOCK = 1024 * 1024
DELIMITERS = (",", ";", "\t")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}
PREVIEW_ROWS = 5
SAMPLE_CHARS = 64 * 1024
# A field may be as long as the whole file: an over-long cell is reported on its row (a lead's
# fields are short), not refused by the csv module for the whole file. This is process-wide,
# and only ever more permissive than the default 128 KB.
csv.field_size_limit(MAX_BYTES + 1)
# Control characters that no text file holds (tab, line feed, form feed, carriage return are fine).
_BINARY = re.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f]")
ENCODING_LABELS = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 (with BOM)", "utf-16": "UTF-16",
                   "utf-16-le": "UTF-16", "utf-16-be": "UTF-16", "cp1252": "Windows-1252 (Latin-1)",
                   "latin-1": "Latin-1 (ISO 8859-1)"}


class FileRefused(ServiceError):
    """The file as a whole cannot be imported; nothing was saved."""

    field = "file"

    def __init__(self, message: str):
        super().__init__(message, "file")


class FileTooLarge(FileRefused):
    status = 413


def too_large_message(limit: int = MAX_BYTES) -> str:
    return (f"The file is larger than {limit // (1024 * 1024) or 1} MB, the most one import takes. "
            "Split it into smaller files (a spreadsheet can save part of its rows) and import them one by one.")


def read_limited(stream, limit: int = MAX_BYTES) -> bytes:
    """The upload's bytes, read a block at a time and refused as soon as they pass ``limit``
    (a 2 GB file is never held in memory)."""
    blocks, size = [], 0
    while True:
        block = stream.read(min(READ_BLOCK, limit + 1 - size))
        if not block:
            break
        blocks.append(block)
        size += len(block)
        if size > limit:
            raise FileTooLarge(too_large_message(limit))
    return b"".join(blocks)


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 written without a BOM: in text of Latin letters every other byte is NUL."""
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding): UTF-8 with or without a BOM, UTF-16 (by its BOM, or by its NUL bytes),
    else Windows-1252, else Latin-1 (which decodes any byte: binary files are caught after)."""
    if data.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    else:
        candidates = [e for e in (_utf16_without_bom(data),) if e] + ["utf-8", "cp1252", "latin-1"]
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return text.lstrip("\ufeff"), encoding
    raise FileRefused("The file could not be read as text. Save it from your spreadsheet as “CSV UTF-8” and try again.")


def check_text(text: str) -> None:
    if not text.strip():
        raise FileRefused("The file is empty. Choose a CSV file with a header row and at least one row of leads.")
    sample = text[:SAMPLE_CHARS]
    if "\x00" in sample or len(_BINARY.findall(sample)) > max(2, len(sample) // 1000):
        raise FileRefused("This is not a CSV file (it holds binary data; an Excel .xlsx file, say). "
                          "Save it from your spreadsheet as “CSV UTF-8” and upload that.")


def _complete_lines(text: str) -> str:
    """The sample up to its last line break, so that no line is cut in two."""
    sample = text[:SAMPLE_CHARS]
    if len(text) > SAMPLE_CHARS and "\n" in sample:
        sample = sample[: sample.rindex("\n") + 1]
    return sample


def detect_delimiter(text: str) -> str:
    """The delimiter that splits the header into the most columns and the first rows into as
    many; a comma when nothing splits (a file of one column).

    csv.Sniffer was tried first and set aside: it looks at character frequencies, so a comma
    inside quoted company names or a semicolon in a note made it pick the wrong one.
    """
    sample = _complete_lines(text)
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        rows = [row for row in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter) if row][:50]
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        agreeing = sum(1 for row in rows[1:] if len(row) == width)
        score = (agreeing, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def clean_header(cells: list[str]) -> list[str]:
    header = []
    for i, cell in enumerate(cells):
        name = " ".join(cell.replace("\ufeff", "").split())[:100]
        header.append(name or f"Column {i + 1}")
    return header


def is_blank(cells: list[str]) -> bool:
    return not any(cell.strip() for cell in cells)


@dataclass
class ReadFile:
    """What the preview page shows and the import keeps."""

    content: bytes  # the text, as UTF-8
    encoding: str
    delimiter: str
    header: list[str]
    data_offset: int  # bytes: where the first row after the header starts
    total_rows: int  # rows with something in them (blank rows are not counted)
    preview: list[list[str]]


class _Counting:
    """Lines for csv.reader, counting the characters handed out: after a row, the count is
    where the next row starts (the reader takes whole lines, never more than a row needs)."""

    def __init__(self, text: str):
        self.lines = io.StringIO(text, newline="")
        self.consumed = 0

    def __iter__(self):
        for line in self.lines:
            self.consumed += len(line)
            yield line


def records(text: str, delimiter: str) -> Iterator[tuple[list[str], int]]:
    """Each record of ``text`` with the character offset where the next one starts."""
    lines = _Counting(text)
    for row in csv.reader(lines, delimiter=delimiter):
        yield row, lines.consumed


def read_file(data: bytes) -> ReadFile:
    """Decode and check a whole upload; refuses it with a message saying what to fix."""
    if not data:
        raise FileRefused("The file is empty. Choose a CSV file with a header row and at least one row of leads.")
    text, encoding = decode(data)
    check_text(text)
    delimiter = detect_delimiter(text)
    rows = records(text, delimiter)
    header_cells, header_end = None, 0
    for cells, end in rows:
        if not is_blank(cells):
            header_cells, header_end = cells, end
            break
    header = clean_header(header_cells or [])
    preview, total = [], 0
    try:
        for cells, _end in rows:
            if is_blank(cells):
                continue
            total += 1
            if len(preview) < PREVIEW_ROWS:
                preview.append([cell[:200] for cell in cells])
    except csv.Error as error:  # only a NUL byte left by an odd encoding can get here
        raise FileRefused(f"The file could not be read as CSV ({error}). Save it from your spreadsheet as "
                          "“CSV UTF-8” and try again.") from None
    if total == 0:
        raise FileRefused("The file has a header row but no rows of leads under it. Add the leads and upload it again.")
    content = text.encode("utf-8")
    return ReadFile(content=content, encoding=encoding, delimiter=delimiter, header=header,
                    data_offset=len(text[:header_end].encode("utf-8")), total_rows=total, preview=preview)


@dataclass
class Window:
    """Rows read from a piece of the file: (row index from the start of the data, cells)."""

    rows: list[tuple[int, list[str]]]
    records: int  # records consumed, blank ones included
    bytes_read: int  # how far the cursor moves
    at_end: bool


def read_window(piece: bytes, delimiter: str, at_eof: bool, max_rows: int, first_index: int) -> Window:
    """Up to ``max_rows`` non-blank rows from ``piece``, the bytes at the cursor.

    Unless the piece reaches the end of the file it is cut after its last line feed (a byte
    that never occurs inside a UTF-8 character), and a row that ends exactly at the cut is left
    for next time: it may be a quoted field that goes on past the cut.
    """
    if not at_eof:
        cut = piece.rfind(b"\n")
        piece = piece[: cut + 1] if cut >= 0 else b""
    text = piece.decode("utf-8")
    rows, consumed, count = [], 0, 0
    for cells, end in records(text, delimiter):
        if end >= len(text) and not at_eof:
            break
        consumed, count = end, count + 1
        if not is_blank(cells):
            rows.append((first_index + count - 1, cells))
            if len(rows) >= max_rows:
                break
    at_end = at_eof and consumed >= len(text)
    return Window(rows=rows, records=count, bytes_read=len(text[:consumed].encode("utf-8")), at_end=at_end)
