"""Reading a file: encodings, delimiters, the size limit, and the files that are refused."""

import codecs
import io

import pytest

from crm.services.lead_import import reading
from crm.services.lead_import.reading import FileRefused
from crm.services.lead_import.reading import FileTooLarge
from tests.imports.support import csv_bytes

ROWS = [["Zoë", "Müller", "zoe@example.com", "Café Crème", "Chef", ""]]


@pytest.mark.parametrize("encoding,raw", [
    ("utf-8", csv_bytes(ROWS)),
    ("utf-8-sig", codecs.BOM_UTF8 + csv_bytes(ROWS)),
    ("utf-16", csv_bytes(ROWS, encoding="utf-16")),  # Python writes the BOM
    ("utf-16-le", csv_bytes(ROWS, encoding="utf-16-le")),  # no BOM at all
    ("cp1252", csv_bytes(ROWS, encoding="cp1252")),
])
def test_the_encoding_is_recognized_and_the_accents_survive(encoding, raw):
    read = reading.read_file(raw)
    assert read.encoding == encoding
    assert read.header[0] == "First Name"  # no BOM left on the first column's name
    assert read.preview == [ROWS[0]]
    assert read.content.decode("utf-8").count("Zoë") == 1


def test_bytes_that_are_not_utf8_fall_back_to_latin1():
    raw = "Name,Email\r\nA\x81b,a@example.com\r\n".encode("latin-1")  # 0x81 is undefined in Windows-1252
    read = reading.read_file(raw)
    assert read.encoding == "latin-1" and read.preview == [["A\x81b", "a@example.com"]]


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_the_delimiter_is_recognized(delimiter):
    rows = [["Ada", "Lovelace", "ada@example.com", "Analytical, Engines; Ltd", "Countess", "+44 20 7946 0958"]] * 3
    read = reading.read_file(csv_bytes(rows, delimiter=delimiter))
    assert read.delimiter == delimiter
    assert read.preview[0][3] == "Analytical, Engines; Ltd"
    assert read.total_rows == 3


def test_quoted_newlines_stay_inside_their_cell():
    raw = b'Last Name,Note,Email\n"Hopper","line one\nline two\r\nline three",grace@example.com\nTuring,x,alan@example.com\n'
    read = reading.read_file(raw)
    assert read.total_rows == 2
    assert read.preview[0] == ["Hopper", "line one\nline two\r\nline three", "grace@example.com"]


@pytest.mark.parametrize("raw,message", [
    (b"", "The file is empty"),
    (b"   \r\n\r\n", "The file is empty"),
    (b"First Name,Last Name,Email\r\n", "header row but no rows of leads"),
    (b"First Name,Last Name,Email\r\n,,\r\n\r\n", "header row but no rows of leads"),
    (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00binary xlsx", "not a CSV file"),
    (bytes(range(256)) * 20, "not a CSV file"),
])
def test_files_that_cannot_be_imported_are_refused_with_the_reason(raw, message):
    with pytest.raises(FileRefused) as refused:
        reading.read_file(raw)
    assert message in refused.value.message


def test_the_size_limit_stops_reading_at_the_limit():
    class Stream(io.BytesIO):
        read_total = 0

        def read(self, size=-1):
            block = super().read(size)
            Stream.read_total += len(block)
            return block

    stream = Stream(b"x" * 10_000)
    with pytest.raises(FileTooLarge) as refused:
        reading.read_limited(stream, limit=1_000)
    assert Stream.read_total == 1_001  # one byte past the limit, not the whole file
    assert "larger than 1 MB" in refused.value.message or "larger than" in refused.value.message
    assert reading.read_limited(io.BytesIO(b"x" * 1_000), limit=1_000) == b"x" * 1_000


def test_a_window_never_cuts_a_row_and_resumes_where_it_stopped():
    text = 'a,b\n1,"two\nlines"\n3,4\n5,6\n'.encode()
    first = reading.read_window(text[:12], ",", at_eof=False, max_rows=10, first_index=0)
    # "1,"two\n" ends the piece inside a quoted cell: nothing after the header row is taken from it
    assert [cells for _, cells in first.rows] == [["a", "b"]]
    rest = reading.read_window(text[first.bytes_read:], ",", at_eof=True, max_rows=10, first_index=first.records)
    assert [(i, cells) for i, cells in rest.rows] == [(1, ["1", "two\nlines"]), (2, ["3", "4"]), (3, ["5", "6"])]
    assert rest.at_end
