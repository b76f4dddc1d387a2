"""Damaged recordings are never taken for whole ones.

A real trial (the autopilot doing the bundled AS1 sample, 88 chunks) is damaged in each region
of its file: the session metadata, the first, a middle and the last chunk, the end record, the
index (summary) and the footer. Where its records lie comes from the mcap library's own stream
reader, and which frames each chunk holds from its own message reader, independently of
xrjig's reader. Each damage must give either one line naming the file (nothing usable) or the
frames before it with a warning that says where the damage is and how many frames and seconds
were skipped; ``replay --verify``, ``report``, ``resim`` and the replay window all say so.
"""

from __future__ import annotations

import html
import random
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from mcap.reader import make_reader
from mcap.records import Chunk, DataEnd, Footer, Metadata
from mcap.stream_reader import StreamReader

from app.cli import main
from interaction.recording import FRAMES_TOPIC, PACKED_DTYPE
from interaction.recording_reader import Recording
from scenes.model import SceneError
from tests.conftest import record_as1


@dataclass(frozen=True)
class Layout:
    """Where a recording's records lie (byte ranges) and which frames each chunk holds."""

    size: int
    session: tuple[int, int]
    end_record: tuple[int, int]
    chunks: list[tuple[int, int]]
    chunk_first_frame: list[int]
    chunk_first_t: list[float]
    summary: tuple[int, int]
    frames: int
    last_t: float

    def frame_t(self, index: int) -> float:
        """Time of frame ``index`` (the autopilot records at a steady 30 Hz)."""
        k = max(i for i, first in enumerate(self.chunk_first_frame) if first <= index)
        return self.chunk_first_t[k] + (index - self.chunk_first_frame[k]) / 30


def layout_of(path: Path) -> Layout:
    data = path.read_bytes()
    with open(path, "rb") as f:
        f.seek(8)
        reader = StreamReader(f, skip_magic=True, emit_chunks=True)
        spans, start = [], 8
        for record in reader.records:
            spans.append((record, start, f.tell()))
            start = f.tell()
    chunks = [(a, b) for r, a, b in spans if isinstance(r, Chunk)]
    meta = {r.name: (a, b) for r, a, b in spans if isinstance(r, Metadata)}
    data_end = next(b for r, a, b in spans if isinstance(r, DataEnd))
    footer = next(a for r, a, b in spans if isinstance(r, Footer))
    with open(path, "rb") as f:
        batches = [(m.sequence, m.log_time / 1e9, len(m.data) // PACKED_DTYPE.itemsize)
                   for _, _, m in make_reader(f).iter_messages(topics=[FRAMES_TOPIC])]
    assert len(batches) == len(chunks)  # one frame batch per chunk
    last = batches[-1]
    return Layout(len(data), meta["xrjig.session"], meta["xrjig.end"], chunks,
                  [b[0] for b in batches], [b[1] for b in batches], (data_end, footer),
                  frames=last[0] + last[2], last_t=last[1] + (last[2] - 1) / 30)


@pytest.fixture(scope="module")
def trial(tmp_path_factory) -> tuple[Path, Layout]:
    path = record_as1(tmp_path_factory.mktemp("damage") / "as1.mcap")
    return path, layout_of(path)


def damaged(src: Path, dst: Path, start: int, end: int, how: str) -> Path:
    """A copy of ``src`` with bytes [start, end) zeroed, or one byte in the middle of them flipped."""
    data = bytearray(src.read_bytes())
    if how == "zero":
        data[start:end] = bytes(end - start)
    else:
        data[(start + end) // 2] ^= 0x5A
    dst.write_bytes(bytes(data))
    return dst


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


@pytest.mark.parametrize("how", ["zero", "flip"])
@pytest.mark.parametrize("which", [0.5, 1.0])
def test_a_damaged_chunk_is_used_up_to_it_and_what_is_skipped_is_counted(trial, tmp_path, capsys, how, which):
    path, layout = trial
    k = min(int(which * len(layout.chunks)), len(layout.chunks) - 1)
    start, end = layout.chunks[k]
    bad = damaged(path, tmp_path / "bad.mcap", start, end, how)
    kept, lost = layout.chunk_first_frame[k], layout.frames - layout.chunk_first_frame[k]
    with Recording(bad) as rec:
        assert rec.frame_count == kept and len(rec.frames) == kept
        assert rec.damage is not None and rec.damage.offset == start
        assert rec.damage.lost_frames == lost
        assert rec.damage.lost_s == pytest.approx(layout.last_t - layout.frame_t(kept - 1), abs=0.01)
    code, out, err = run_cli(capsys, "replay", str(bad), "--verify")
    warnings = [line for line in err.splitlines() if "warning" in line]
    assert code == 0 and len(warnings) == 1 and str(bad) in warnings[0]
    assert f"byte {start}" in warnings[0] and f"using the first {kept} frames" in warnings[0]
    assert f"skipped {lost} frames" in warnings[0]
    assert "identical as far as it could be read" in out and f"({kept} frames" in out


@pytest.mark.parametrize("how", ["zero", "flip"])
def test_a_damaged_first_chunk_leaves_nothing_to_verify_one_line(trial, tmp_path, capsys, how):
    path, layout = trial
    bad = damaged(path, tmp_path / "bad.mcap", *layout.chunks[0], how)
    code, out, err = run_cli(capsys, "replay", str(bad), "--verify")
    assert code == 1 and out == "" and len(err.strip().splitlines()) == 1
    assert str(bad) in err and f"skipped {layout.frames} frames" in err and "no frame before it" in err


def test_damaged_session_metadata_is_said_or_refused(trial, tmp_path, capsys):
    path, layout = trial
    start, end = layout.session
    flipped = damaged(path, tmp_path / "flipped.mcap", start + 40, end - 40, "flip")
    with Recording(flipped) as rec:
        assert rec.warning is not None and "'xrjig.session' metadata is damaged" in rec.warning
    zeroed = damaged(path, tmp_path / "zeroed.mcap", start, end, "zero")
    code, out, err = run_cli(capsys, "replay", str(zeroed), "--verify")
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert str(zeroed) in err and "session metadata is damaged" in err


@pytest.mark.parametrize("how", ["zero", "flip"])
def test_a_damaged_end_record_or_index_loses_no_frame_and_says_so(trial, tmp_path, how):
    path, layout = trial
    for region in (layout.end_record, layout.summary):
        bad = damaged(path, tmp_path / "bad.mcap", *region, how)
        with Recording(bad) as rec:
            assert rec.frame_count == layout.frames
            events = rec.events
            assert len(events) == Recording(path).end["events"]
            if how == "zero" or region == layout.end_record:
                assert rec.warning is not None and str(bad) in rec.warning
            assert rec.damage is None or rec.damage.lost_frames == 0


def test_random_byte_flips_never_lose_frames_silently(trial, tmp_path):
    """The promise as a property: whatever byte is flipped, either every frame is read or
    there is a warning (or the file is refused in one line)."""
    path, layout = trial
    rng = random.Random(7)
    silent, refusals, warned = [], [], 0
    for n in range(60):
        offset = rng.randrange(8, layout.size - 8)
        bad = damaged(path, tmp_path / f"flip{n}.mcap", offset, offset + 1, "flip")
        try:
            with Recording(bad) as rec:
                frames, _ = rec.frame_count, rec.events
                if frames < layout.frames and not rec.warning:
                    silent.append(offset)
                warned += bool(rec.warning)
        except SceneError as err:
            refusals.append((str(bad), str(err)))
    assert silent == [], f"frames lost without a word after flipping bytes at {silent}"
    assert all(name in err and "\n" not in err for name, err in refusals)
    assert warned > 10  # most flips land in chunks: the test did damage data


def test_report_and_resim_carry_the_damage(trial, tmp_path, capsys):
    path, layout = trial
    k = len(layout.chunks) // 2
    bad = damaged(path, tmp_path / "bad.mcap", *layout.chunks[k], "flip")
    code, _, err = run_cli(capsys, "report", str(bad), "--out", str(tmp_path / "report"), "--no-heatmap")
    warning = next(line for line in err.splitlines() if "warning" in line)
    assert code == 0 and f"skipped {layout.frames - layout.chunk_first_frame[k]} frames" in warning
    page = html.unescape((tmp_path / "report" / "report.html").read_text())
    assert warning.split("warning: ", 1)[1] in page
    code, out, err = run_cli(capsys, "resim", str(bad), "--json")
    assert code == 0 and re.search(r"skipped \d+ frames", err)
    assert "skipped" in out  # the warning is in the recording's notes of the JSON too


@pytest.mark.gl
def test_the_replay_window_says_what_was_skipped(qtbot, trial, tmp_path):
    from PySide6.QtCore import QSettings

    from app.window.replay_window import open_replay_window

    path, layout = trial
    k = len(layout.chunks) // 3
    bad = damaged(path, tmp_path / "bad.mcap", *layout.chunks[k], "zero")
    mode = open_replay_window(bad, settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat),
                              autostart=False)
    qtbot.addWidget(mode.window)
    shown = mode.timeline.warning_label.text()
    assert f"skipped {layout.frames - layout.chunk_first_frame[k]} frames" in shown and str(bad) in shown
    assert mode.rec.end_t == pytest.approx(layout.frame_t(layout.chunk_first_frame[k] - 1), abs=1e-6)


def _message_index_after(layout: Layout, k: int) -> int:
    """A byte inside the message index records between chunk ``k`` and the next one."""
    return (layout.chunks[k][1] + layout.chunks[k + 1][0]) // 2


@pytest.mark.parametrize("where", ["message index", "summary", "chunk size field", "joined twice", "closing magic"])
def test_damage_outside_what_is_read_is_still_said(trial, tmp_path, where):
    """Records xrjig does not read (message indexes), the index, a chunk's own size fields,
    trailing data and the closing magic: the data section CRC, the summary CRC, the zstd
    frame size and the footer's place catch them; no frame is lost, and it is said."""
    path, layout = trial
    data = bytearray(path.read_bytes())
    if where == "message index":
        data[_message_index_after(layout, 3)] ^= 0x10
    elif where == "summary":
        data[(layout.summary[0] + layout.summary[1]) // 2] ^= 0x10
    elif where == "chunk size field":  # uncompressed size: after opcode, length, start and end times
        at = layout.chunks[len(layout.chunks) // 2][0] + 9 + 16
        data[at:at + 8] = (2**32).to_bytes(8, "little")
    elif where == "joined twice":
        data = data * 2
    else:
        data[-1] ^= 0x01
    bad = tmp_path / "bad.mcap"
    bad.write_bytes(bytes(data))
    with Recording(bad) as rec:
        frames, _ = rec.frame_count, rec.events
        assert rec.warning is not None and str(bad) in rec.warning
    if where == "chunk size field":
        assert frames == layout.chunk_first_frame[len(layout.chunks) // 2]
    else:
        assert frames == layout.frames
