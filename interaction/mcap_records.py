"""MCAP at the level of single records, for reading files that may be damaged.

mcap's own readers stop at the first record they cannot parse; a damaged recording needs more:
each record framed by itself (opcode and length) and parsed alone, so a record whose body is
damaged can be stepped over while one whose head is damaged says the records cannot be
followed further; chunks whose size fields and CRC agree with their data; CRCs of file spans.
"""

from __future__ import annotations

import io
import struct
import zlib
from typing import Any, BinaryIO

import zstandard
from mcap.exceptions import EndOfFile, McapError
from mcap.records import Chunk
from mcap.stream_reader import CRCValidationError, StreamReader, breakup_chunk

#: refuse records larger than this (a corrupt length field must not allocate gigabytes)
RECORD_SIZE_LIMIT = 256 * 1024 * 1024
BROKEN = (McapError, CRCValidationError, struct.error, ValueError, UnicodeDecodeError, zstandard.ZstdError,
           KeyError, TypeError, OverflowError, MemoryError)
#: an MCAP record starts with a 1-byte opcode and an 8-byte little-endian length
RECORD_HEAD = struct.Struct("<BQ")
MAGIC = b"\x89MCAP0\r\n"
MAGIC_LENGTH = len(MAGIC)
#: a Footer record: opcode, length, summary start, summary offset start, summary CRC
FOOTER_LENGTH = 1 + 8 + 8 + 8 + 4
#: a DataEnd record: opcode, length, data section CRC
DATA_END_LENGTH = 1 + 8 + 4


class UnreadableRecord(Exception):
    """A record whose head (opcode, length) is plausible but whose body does not parse: the
    records after it can still be followed."""

    def __init__(self, length: int, opcode: int, err: Exception) -> None:
        super().__init__(str(err))
        self.length, self.opcode, self.err = length, opcode, err


def describe_error(err: Exception) -> str:
    """A reader's error in a researcher's words (the library's text stays for the expert)."""
    if isinstance(err, CRCValidationError):
        return "a chunk fails its checksum"
    if isinstance(err, zstandard.ZstdError) or "decompression" in str(err):
        return "a chunk cannot be decompressed"
    if isinstance(err, EndOfFile):
        return "a length inside it is wrong"
    return str(err) or type(err).__name__


def record_at(file: BinaryIO, offset: int, size: int) -> tuple[Any, int]:
    """The record starting at ``offset`` and its length with its head. EndOfFile when the
    file ends inside it, McapError when its head cannot be right (the records cannot be
    followed past it), UnreadableRecord when the head is plausible but the body is not."""
    file.seek(offset)
    head = file.read(RECORD_HEAD.size)
    if len(head) < RECORD_HEAD.size:
        raise EndOfFile()
    opcode, length = RECORD_HEAD.unpack(head)
    if length > RECORD_SIZE_LIMIT or opcode == 0:
        raise McapError(f"no valid record (opcode {opcode}, length {length})")
    if offset + RECORD_HEAD.size + length > size:
        raise EndOfFile()
    body = file.read(length)
    reader = StreamReader(io.BytesIO(head + body), skip_magic=True, emit_chunks=True,
                          record_size_limit=RECORD_SIZE_LIMIT)
    try:
        return next(reader.records, None), RECORD_HEAD.size + length
    except BROKEN as err:
        raise UnreadableRecord(RECORD_HEAD.size + length, opcode, err) from None


def chunk_records(chunk: Chunk) -> list[Any]:
    """mcap's own chunk parser, with the chunk's CRC checked. MCAP lets a writer leave the
    CRC out (0); xrjig never does, so a zero there is damage, not a choice. The CRC covers
    the records, not the chunk's own size fields, so those are checked against the data."""
    if chunk.uncompressed_crc == 0:
        raise McapError("a chunk has lost its checksum")
    if chunk.compression == "zstd":
        try:
            content = zstandard.frame_content_size(chunk.data)
        except zstandard.ZstdError as err:
            raise McapError(f"a chunk's compressed data is damaged ({err})") from None
        if content >= 0 and content != chunk.uncompressed_size:
            raise McapError("a chunk's size fields do not match its data")
    return breakup_chunk(chunk, validate_crc=True)


def crc_of(file: Any, start: int, end: int) -> int:
    """CRC-32 of the file's bytes [start, end), read in 1 MB blocks."""
    crc = 0
    file.seek(start)
    while start < end:
        block = file.read(min(1 << 20, end - start))
        if not block:
            break
        crc = zlib.crc32(block, crc)
        start += len(block)
    return crc
