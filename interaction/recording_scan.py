"""Reading a recording record by record, for files whose index cannot be used (a crash left
none, or it is damaged) or that turned out damaged where the index led.

The recording is used up to its first damaged or missing part, because a replay cannot go
on past a gap (the engine would miss what happened in it). The scan still reads what lies
beyond, only to count it (``Scan.damage``). Where the records cannot even be told apart (a
zeroed block), it goes on at the next chunk the file's index knew of, if it had one; a record
whose body alone is damaged is stepped over (a metadata record is then left out and said).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, BinaryIO

import numpy as np
from mcap.exceptions import EndOfFile
from mcap.opcode import Opcode
from mcap.records import Channel, Chunk, DataEnd, Footer, Metadata

from interaction.mcap_records import (
    BROKEN,
    MAGIC_LENGTH,
    UnreadableRecord,
    chunk_records,
    describe_error,
    record_at,
)
from interaction.recording_chunks import Batch, ChunkRef, parse_chunk
from interaction.recording_damage import Damage


@dataclass
class Tally:
    """What a scan saw past the first damage: how much the recording loses there."""

    frames_end: int = 0
    last_t: float | None = None

    def add(self, batch: Batch) -> None:
        if len(batch.records):
            self.frames_end = max(self.frames_end, batch.end_index)
            self.last_t = max(self.last_t or -np.inf, float(batch.times[-1]))


@dataclass
class Scan:
    """What a record-by-record scan found."""

    #: the usable chunks: those before the first damage
    chunks: list[ChunkRef] = field(default_factory=list)
    #: the last usable chunk that holds frames
    kept: Batch | None = None
    #: (byte offset, truncated, detail) of the first damage; None for a whole file
    first: tuple[int, bool, str] | None = None
    #: the readable chunks after the first damage
    later: Tally = field(default_factory=Tally)
    #: bytes whose records could not be told apart
    unread: int = 0
    #: chunks the file's index listed after the first damage (None: no index)
    indexed_after: int | None = None
    #: (offset, data section CRC) of the DataEnd record, if the scan met one
    data_end: tuple[int, int] | None = None
    metadata: list[Metadata] = field(default_factory=list)
    #: warnings about parts that are not the recording's data (one line each, no path)
    notes: list[str] = field(default_factory=list)

    def damage(self, end: dict[str, Any], start_t: float | None) -> Damage:
        """The first damage and what it costs; ``end``: the decoded xrjig.end metadata (what
        the session said it recorded), ``start_t``: the first frame's time."""
        assert self.first is not None
        offset, truncated, detail = self.first
        frames, duration = end.get("frames"), end.get("duration_s")
        whole = isinstance(duration, (int, float)) and not isinstance(duration, bool) and np.isfinite(duration)
        return Damage(
            offset=offset, truncated=truncated, detail=detail,
            kept_frames=self.kept.end_index if self.kept is not None else 0,
            kept_until_s=float(self.kept.times[-1]) if self.kept is not None else None,
            later_frames_end=self.later.frames_end, later_until_s=self.later.last_t,
            expected_frames=frames if isinstance(frames, int) and not isinstance(frames, bool) and frames >= 0
            else None,
            expected_until_s=start_t + duration if start_t is not None and whole else None,
            unread_bytes=self.unread, indexed_chunks_after=self.indexed_after,
        )


def scan_records(file: BinaryIO, size: int, closed: bool, known: list[int], topics: dict[int, str]) -> Scan:
    """Index a recording record by record, checking every chunk (see the module docstring).

    ``closed``: the file ends with MCAP's closing magic (a file cut short does not);
    ``known``: chunk offsets its index listed, where the scan resumes after bytes it cannot
    tell apart; ``topics`` gains the channels met.
    """
    known = sorted(known)
    scan = Scan()
    first: tuple[int, bool, str] | None = None

    def resume_after(offset: int) -> int:
        nxt = next((o for o in known if o > offset), size)
        scan.unread += nxt - offset
        return nxt

    offset = MAGIC_LENGTH
    while offset < size:
        try:
            record, length = record_at(file, offset, size)
        except EndOfFile:
            if not closed:
                first = first or (offset, True, "")
                break
            first = first or (offset, False, "a record runs past the end of the file")
            offset = resume_after(offset)
            continue
        except UnreadableRecord as bad:
            if bad.opcode == Opcode.METADATA:
                scan.notes.append(f"a metadata record at byte {offset} is damaged ({describe_error(bad.err)}); left out")
            elif bad.opcode != Opcode.MESSAGE_INDEX:  # message indexes are not used; anything else may be a chunk
                first = first or (offset, False, describe_error(bad.err))
            offset += bad.length
            continue
        except BROKEN as err:
            first = first or (offset, False, describe_error(err))
            offset = resume_after(offset)
            continue
        if record is None:  # an opcode xrjig never writes: a damaged record head
            first = first or (offset, False, "a record of an unknown kind")
        elif isinstance(record, Chunk):
            try:
                batch = parse_chunk(chunk_records(record), topics)
            except BROKEN as err:
                first = first or (offset, False, describe_error(err))
            else:
                expected = scan.kept.end_index if scan.kept else 0
                if first is None and len(batch.records) and batch.first_index != expected:
                    first = (offset, False, f"frames before frame {batch.first_index} are missing")
                if first is None:
                    scan.chunks.append(ChunkRef(offset, length, record.message_start_time))
                    scan.kept = batch if len(batch.records) else scan.kept
                else:
                    scan.later.add(batch)
        elif isinstance(record, Metadata):
            scan.metadata.append(record)
        elif isinstance(record, Channel):
            topics[record.id] = record.topic
        elif isinstance(record, DataEnd):
            scan.data_end = (offset, record.data_section_crc)
            if not closed and first is None:
                scan.notes.append("ends early, inside its index (was it cut short?); every frame is there")
                break
        elif isinstance(record, Footer):
            after = size - (offset + length + MAGIC_LENGTH)
            if after > 0:
                scan.notes.append(f"has {after} bytes after its end (joined with other data?); they were not read")
            break
        offset += length
    else:
        first = first or (offset, True, "")
    scan.first = first
    scan.indexed_after = sum(o > first[0] for o in known) if first is not None and known else None
    return scan
