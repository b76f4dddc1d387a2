"""The bad-input promise, fuzzed through the real ``xrjig`` command line: recordings (MCAP): cut, flipped and shuffled bytes, metadata and chunk damage.

The promise, the worker bench and the generators: tests/fuzz_bench.py.
"""

from __future__ import annotations

import random
import struct
from pathlib import Path

import pytest

from tests.fuzz_bench import (
    SEED,
    Bench,
    silently_identical,
)
from tests.fuzz_worker import Case, Outcome

pytestmark = pytest.mark.timeout(280)


# ---------------------------------------------------------------- 3. recordings ------

MCAP_RECORDS = {1: "Header", 2: "Footer", 3: "Schema", 4: "Channel", 5: "Message", 6: "Chunk",
                7: "MessageIndex", 8: "ChunkIndex", 9: "Attachment", 10: "AttachmentIndex",
                11: "Statistics", 12: "Metadata", 13: "MetadataIndex", 14: "SummaryOffset",
                15: "DataEnd"}


def mcap_records(data: bytes) -> list[tuple[str, int, int]]:
    """(record type, start, end) of an MCAP file's top-level records, so that damage can be
    placed in each kind of record and named by it."""
    spans, at = [], 8
    while at + 9 <= len(data) - 8:
        (length,) = struct.unpack_from("<Q", data, at + 1)
        spans.append((MCAP_RECORDS.get(data[at], f"op{data[at]:#x}"), at, at + 9 + length))
        at += 9 + length
    return spans


def _set_u64(data: bytes, at: int, value: int) -> bytes:
    return data[:at] + struct.pack("<Q", value) + data[at + 8:]


def record_damage(data: bytes, rng: random.Random) -> list[tuple[bytes, str]]:
    """Damaged copies of a recording: cuts (anywhere and at record boundaries), a flipped
    byte in every kind of record, zeroed, deleted, duplicated and swapped blocks, trailing
    garbage, and absurd sizes in the first chunk's fields."""
    spans = mcap_records(data)
    out = [(data[:cut], f"truncated to {cut} of {len(data)} bytes")
           for cut in [0, 8, 30, *(int(len(data) * f) for f in (0.1, 0.3, 0.5, 0.7, 0.9, 0.99))]]
    for kind in ("Chunk", "DataEnd", "ChunkIndex", "Footer"):
        start = next(s for k, s, _ in spans if k == kind)
        out.append((data[:start], f"truncated just before the first {kind} record ({start})"))
    for kind in sorted({k for k, _, _ in spans}):
        for _ in range(3 if kind == "Chunk" else 1):
            _, start, end = rng.choice([s for s in spans if s[0] == kind])
            at = rng.randrange(start, end)
            raw = bytearray(data)
            raw[at] ^= 1 << rng.randrange(8)
            out.append((bytes(raw), f"one bit flipped at {at}, in a {kind} record ({start}..{end})"))
    for at, what in ((3, "the leading magic"), (len(data) - 3, "the trailing magic")):
        out.append((data[:at] + b"X" + data[at + 1:], f"a byte of {what} changed"))
    for _ in range(4):
        start, size = rng.randrange(len(data)), rng.choice([64, 512, 4096])
        out.append((data[:start] + bytes(size) + data[start + size:], f"{size} bytes zeroed at {start}"))
    for _ in range(3):
        start, size = rng.randrange(len(data)), rng.choice([9, 100, 1000])
        out.append((data[:start] + data[start + size:], f"{size} bytes deleted at {start}"))
    chunks = [(s, e) for k, s, e in spans if k == "Chunk"]
    (a0, a1), (b0, b1) = chunks[1], chunks[2]
    out.append((data[:b1] + data[a0:a1] + data[b1:], "the second chunk repeated after the third"))
    out.append((data[:a0] + data[b0:b1] + data[a1:b0] + data[a0:a1] + data[b1:], "chunks 2 and 3 swapped"))
    out.append((data + rng.randbytes(300), "300 random bytes appended"))
    out.append((data + data, "the whole file twice"))
    first = chunks[0][0]
    compression = struct.unpack_from("<I", data, first + 9 + 28)[0]
    for offset, field_name in ((1, "record length"), (9 + 16, "uncompressed size"),
                               (9 + 32 + compression, "records length")):
        for value in (2**62, 2**32):
            out.append((_set_u64(data, first + offset, value), f"first chunk's {field_name} set to {value}"))
    return [(damaged, how) for damaged, how in out if damaged != data]


@pytest.fixture(scope="module")
def recording(fuzz_recording: Path) -> Path:
    return fuzz_recording


@pytest.fixture(scope="module")
def recording_outcomes(bench: Bench, recording: Path) -> list[Outcome]:
    """``replay --verify`` on every damaged copy; ``resim`` and ``report`` on every third."""
    data = recording.read_bytes()
    base = str(recording.parent)
    cases = []
    for n, (damaged, how) in enumerate(record_damage(data, random.Random(SEED))):
        case_id, folder = bench.folder("recording")
        path = folder / "trial.mcap"
        path.write_bytes(damaged)
        names = ["trial.mcap", "scenario.yaml"]
        argvs = [["replay", str(path), "--verify"]]
        if n % 3 == 0:
            argvs += [["resim", str(path), "--set", "dwell_time_s=0.5"],
                      ["report", str(path), "--out", str(folder / "report"), "--no-heatmap"]]
        cases += [Case(f"{case_id}-{argv[0]}", "recording", argv, [str(folder), base], names,
                       note=how, damaged=True) for argv in argvs]
    return bench.run("recordings (replay --verify, resim, report)", cases)


def test_damaged_recordings_keep_the_promise(bench, recording_outcomes):
    bench.assert_kept(recording_outcomes)


def test_damaged_recordings_are_never_reported_identical_without_a_warning(bench, recording_outcomes):
    verified = [o for o in recording_outcomes if o.case.argv[0] == "replay"]
    silent = [o for o in verified if silently_identical(o)]
    print(f"\nfuzz recordings: {len(silent)} of {len(verified)} damaged recordings "  # noqa: T201
          "verified 'identical' without a warning")
    bench.assert_kept(verified, lambda o: ["replay --verify: 'identical', no warning"] if silently_identical(o) else [])
