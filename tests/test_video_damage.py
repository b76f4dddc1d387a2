"""Hostile videos: damaged copies of a real clip, by class of damage rather than by file.

Every input is made in ``tmp_path`` from tests/data (the ASL clip, a MediaPipe sample
photo), damaged the way files get damaged: cut short, a block zeroed, bits flipped, a JPEG
fragment, text or random bytes under a video's name, an empty file, a folder, a recorder
that stopped before its first frame. The contract (devices/camera/source.py):

- nothing usable: one line naming the file and the problem (``SceneError``; the CLI exits 1,
  the camera device sets ``error``);
- decodes for a while, then stops short of the frames the container announces: the frames
  read are used, and a warning says how many of how many (CLI exit 0, one stderr line; the
  device's ``warning``, shown in the camera dock);
- a still image under a video's name: tracked as one frame, with a warning saying so.

Most tests read through FrameSource only (no MediaPipe: fast); one CLI run and one device
run track a clip damaged early, so they see few frames.
"""

from __future__ import annotations

import os
import random
import struct
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from devices.camera.device import CameraDevice
from devices.camera.source import FrameSource, _cv2
from devices.camera.tracker import TrackerSettings
from scenes.image_budget import MAX_IMAGE_PIXELS
from scenes.model import SceneError
from tests.conftest import HANDS

ROOT = Path(__file__).resolve().parents[1]
VIDEO = HANDS / "asl_hand.25fps.mp4"  # 325 frames, 620 x 1080, index ('moov') at the end
PHOTO = HANDS / "mp_gesture_victory.jpg"
FRAMES = 325
DAMAGED = "the rest is damaged or missing"


# -- making damaged copies ------------------------------------------------------------------
def _zeroed(at: float, size: int = 4096) -> bytes:
    """The clip with ``size`` bytes zeroed at fraction ``at`` of the file (a bad sector)."""
    data = VIDEO.read_bytes()
    i = int(len(data) * at)
    return data[:i] + bytes(size) + data[i + size :]


def _flipped(count: int = 200, seed: int = 2) -> bytes:
    """The clip with ``count`` random bits flipped in its frame data (a flaky transfer);
    the container's header and index are left alone, so it still opens."""
    data = bytearray(VIDEO.read_bytes())
    start, end = _box(bytes(data), b"mdat")
    rng = random.Random(seed)
    for _ in range(count):
        data[rng.randrange(start, end)] ^= 1 << rng.randrange(8)
    return bytes(data)


def _box(data: bytes, kind: bytes) -> tuple[int, int]:
    """(start, end) of the top-level MP4 box ``kind``, header included."""
    at = 0
    while at < len(data):
        length, name = struct.unpack(">I4s", data[at : at + 8])
        if name == kind:
            return at, at + length
        at += length
    raise AssertionError(f"no {kind!r} box")


def _faststart(data: bytes) -> bytes:
    """The clip with its index moved before the frames, as web-ready MP4s are written
    ('faststart'): the chunk offsets in every 'stco' move by the index's size. Cut short,
    such a file still opens and plays up to the cut."""
    moov_start, moov_end = _box(data, b"moov")
    mdat_start, _ = _box(data, b"mdat")
    moov = bytearray(data[moov_start:moov_end])
    shift = len(moov)
    for at in _stco_tables(moov, 8, len(moov)):
        (count,) = struct.unpack(">I", moov[at + 4 : at + 8])
        for i in range(count):
            pos = at + 8 + 4 * i
            (offset,) = struct.unpack(">I", moov[pos : pos + 4])
            moov[pos : pos + 4] = struct.pack(">I", offset + shift)
    return data[:mdat_start] + bytes(moov) + data[mdat_start:moov_start] + data[moov_end:]


def _stco_tables(moov: bytearray, start: int, end: int) -> list[int]:
    """Where each 'stco' payload starts, walking the containers on the way to it."""
    found, at = [], start
    while at + 8 <= end:
        length, kind = struct.unpack(">I4s", moov[at : at + 8])
        if kind in (b"trak", b"mdia", b"minf", b"stbl"):
            found += _stco_tables(moov, at + 8, at + length)
        elif kind == b"stco":
            found.append(at + 8)
        elif kind == b"co64":
            raise AssertionError("64-bit chunk offsets: not needed for this clip")
        at += length
    return found


def _no_frames(tmp_path: Path, name: str, fourcc: str) -> Path:
    """A video a recorder closed before its first frame (OpenCV's own writer)."""
    path = tmp_path / name
    cv2 = _cv2()
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), 25.0, (64, 64))
    assert writer.isOpened()
    writer.release()
    return path


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


#: name -> (make the file in tmp_path, words the one error line must hold)
UNUSABLE: dict[str, tuple[Callable[[Path], Path], str]] = {
    "text": (lambda d: _write(d, "notes.mp4", b"hello\nthis is not a video\n" * 20), "not a readable video"),
    "random bytes": (lambda d: _write(d, "noise.mp4", random.Random(1).randbytes(50_000)), "not a readable video"),
    "empty": (lambda d: _write(d, "empty.mp4", b""), "is empty (0 bytes)"),
    "folder": (lambda d: (d / "clip.mp4").mkdir() or d / "clip.mp4", "is a folder"),
    "pipe": (lambda d: os.mkfifo(d / "live.mp4") or d / "live.mp4", "not a regular file"),  # would block
    "cut at 50%": (
        lambda d: _write(d, "cut.mp4", VIDEO.read_bytes()[: VIDEO.stat().st_size // 2]),
        "its index ('moov') is missing, the file was cut short",
    ),
    "first frame zeroed": (lambda d: _write(d, "bad_start.mp4", _zeroed(0.02)), "no frame decodes"),
    "0 frames (mp4)": (lambda d: _no_frames(d, "none.mp4", "mp4v"), "it has no tracks (0 frames"),
    "0 frames (avi)": (lambda d: _no_frames(d, "none.avi", "MJPG"), "no frame decodes"),
    "jpeg fragment as video": (
        lambda d: _write(d, "fragment.mp4", PHOTO.read_bytes()[:3000]),
        "not a readable image (truncated or damaged)",
    ),
    "jpeg fragment": (
        lambda d: _write(d, "fragment.jpg", PHOTO.read_bytes()[:3000]),
        "not a readable image (truncated or damaged)",
    ),
}


def _read_all(path: Path, **kwargs) -> tuple[FrameSource, int]:
    """Read every frame of ``path``; (the source, how many frames came)."""
    source = FrameSource(path)
    try:
        return source, sum(1 for _ in source.frames(**kwargs))
    finally:
        source.release()


# -- nothing usable: one line ---------------------------------------------------------------
@pytest.mark.parametrize("kind", UNUSABLE)
def test_an_unusable_file_is_one_line_naming_it(tmp_path, kind):
    make, words = UNUSABLE[kind]
    path = make(tmp_path)
    with pytest.raises(SceneError) as err:
        FrameSource(path)
    line = str(err.value)
    assert line.startswith(f"{path}: ") and words in line and "\n" not in line
    device = CameraDevice(path)  # the same line from the camera device, without raising
    device.start()
    device.stop()
    assert device.error == line


def test_an_unreadable_file_is_one_line(tmp_path, monkeypatch):
    """The OS refuses to open the file (permissions). CI runs as root, whom permissions do
    not stop, so the refusal is made at the one seam the reader opens through."""
    path = _write(tmp_path, "locked.mp4", VIDEO.read_bytes()[:1000])
    real_open = Path.open

    def refusing_open(self, *args, **kwargs):
        if self == path:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refusing_open)
    with pytest.raises(SceneError, match=r"locked\.mp4: cannot be read \(Permission denied\)"):
        FrameSource(path)


def test_the_device_refuses_a_folder_before_starting(tmp_path):
    assert CameraDevice(tmp_path).why_not == f"{tmp_path}: is a folder, not a video or image file"


def test_ffmpeg_says_nothing_of_its_own(tmp_path):
    """FFmpeg prints a line per damaged packet from C; the reading layer silences it (a
    fresh process: the log level is taken when FFmpeg first opens a file)."""
    path = _write(tmp_path, "flipped.mp4", _flipped())
    code = (
        "import sys; from devices.camera.source import FrameSource; "
        f"s = FrameSource({str(path)!r}); n = sum(1 for _ in s.frames(step=4)); "
        "print(s.warning)"
    )
    p = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert DAMAGED in p.stdout
    assert p.stderr == ""


# -- readable in part: the frames read, and a warning ---------------------------------------
@pytest.mark.parametrize(
    ("name", "damage"),
    [
        ("zeroed.mp4", lambda: _zeroed(0.5)),
        ("flipped.mp4", _flipped),
        ("cut_faststart.mp4", lambda: _faststart(VIDEO.read_bytes())[: VIDEO.stat().st_size // 2]),
    ],
)
def test_a_video_damaged_midway_gives_its_frames_and_a_warning(tmp_path, name, damage):
    path = _write(tmp_path, name, damage())
    source, n = _read_all(path)
    assert 0 < n < FRAMES
    assert source.warning == f"{path}: read {n} of {FRAMES} frames; {DAMAGED}"


def test_the_faststart_copy_is_whole_before_it_is_cut(tmp_path):
    """The helper's own check: moving the index changes no frame count."""
    source, n = _read_all(_write(tmp_path, "whole.mp4", _faststart(VIDEO.read_bytes())), step=5)
    assert n == FRAMES // 5 and source.warning is None


def test_a_whole_video_has_no_warning():
    source, n = _read_all(VIDEO, step=5)  # grab() still decodes every frame
    assert n == FRAMES // 5 and source.frame_count == FRAMES
    assert source.warning is None


def test_a_damaged_video_loops_over_what_it_has(tmp_path):
    """A damaged video as a camera: it starts over after its readable part (8 frames),
    its clock going on, and the warning stays."""
    path = _write(tmp_path, "early.mp4", _zeroed(0.05))
    source = FrameSource(path)
    try:
        times = [t for t, _ in _first(source.frames(loop=True), 20)]
    finally:
        source.release()
    assert len(times) == 20 and all(b > a for a, b in zip(times, times[1:], strict=False))
    assert source.warning == f"{path}: read 8 of {FRAMES} frames; {DAMAGED}"


def _first(frames, n: int) -> list[tuple[float, object]]:
    """The first ``n`` items of an endless generator (then closed)."""
    out = []
    for item in frames:
        out.append(item)
        if len(out) == n:
            break
    frames.close()
    return out


# -- a still image under a video's name ------------------------------------------------------
def test_a_photo_named_as_a_video_is_one_frame_with_a_warning(tmp_path):
    path = _write(tmp_path, "photo.mp4", PHOTO.read_bytes())
    source, n = _read_all(path)
    assert source.kind == "image" and n == 1
    assert source.warning == f"{path}: a still image, not a video; tracked as one frame"


# -- absurd frame sizes ----------------------------------------------------------------------
class HugeCapture:
    """A container declaring 20000 x 20000 frames (such a file is 400 MB a frame to make);
    reading a frame from it fails the test: the budget must refuse it before."""

    def __init__(self, path):
        pass

    def isOpened(self):  # noqa: N802 (OpenCV's name)
        return True

    def get(self, prop):
        cv2 = _cv2()
        return {cv2.CAP_PROP_FRAME_WIDTH: 20000.0, cv2.CAP_PROP_FRAME_HEIGHT: 20000.0}.get(prop, 25.0)

    def grab(self):
        raise AssertionError("decoded a frame over the pixel budget")

    read = grab

    def release(self):
        pass


def test_frames_over_the_pixel_budget_are_refused_before_decoding(tmp_path, monkeypatch):
    monkeypatch.setattr(_cv2(), "VideoCapture", HugeCapture)
    path = _write(tmp_path, "huge.mp4", VIDEO.read_bytes()[:1000])
    with pytest.raises(SceneError) as err:
        FrameSource(path)
    assert str(err.value) == (
        f"{path}: a video frame is 20000x20000 pixels, more than the limit of {MAX_IMAGE_PIXELS} pixels"
    )


# -- end to end: the device and the CLI ------------------------------------------------------
def test_the_device_plays_a_damaged_video_and_the_dock_shows_the_warning(tmp_path, qtbot):
    from app.window.camera_feed import CameraFeed
    from views.camera_dock import CameraPanel

    path = _write(tmp_path, "early.mp4", _zeroed(0.05))
    device = CameraDevice(path, realtime=False, loop=False, settings=TrackerSettings(track_face=False))
    device.start()
    try:
        assert device.finished.wait(60.0)
    finally:
        device.stop()
    warning = f"{path}: read 8 of {FRAMES} frames; {DAMAGED}"
    assert device.error is None and device.warning == warning
    assert device.latest().index == 7  # all 8 readable frames were tracked

    panel = CameraPanel()
    qtbot.addWidget(panel)
    feed = CameraFeed(panel)
    messages: list[str] = []
    feed.message.connect(messages.append)
    feed.start(device, path.name)
    feed.refresh()
    feed.refresh()
    assert panel.status_label.text() == f"warning: {warning}"
    assert messages == [f"camera: {warning}"]  # once, not every refresh
    feed.stop()


def test_the_dock_shows_a_warning_while_it_plays(tmp_path, qtbot):
    from app.window.camera_feed import CameraFeed
    from views.camera_dock import CameraPanel

    class Playing:
        """A running device that has met damage (what the feed reads of CameraDevice)."""

        warning = "clip.mp4: read 8 of 325 frames; the rest is damaged or missing"

        def snapshot(self):
            return None

    panel = CameraPanel()
    qtbot.addWidget(panel)
    feed = CameraFeed(panel)
    feed.start(Playing(), "clip.mp4")
    assert panel.status_label.text() == "tracking clip.mp4"
    feed.refresh()
    assert panel.status_label.text() == f"warning: {Playing.warning}"
    feed.stop()


def _xrjig(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "app", "track", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_cli_tracks_what_decodes_and_warns_once(tmp_path):
    path = _write(tmp_path, "early.mp4", _zeroed(0.05))
    start = time.monotonic()
    p = _xrjig(str(path), "--json", "--no-face", cwd=ROOT)
    assert time.monotonic() - start < 60
    assert p.returncode == 0, p.stderr
    assert len(p.stdout.splitlines()) == 8
    assert p.stderr.splitlines() == [f"xrjig track: warning: {path}: read 8 of {FRAMES} frames; {DAMAGED}"]


@pytest.mark.parametrize("kind", ["folder", "empty", "cut at 50%", "random bytes", "jpeg fragment as video"])
def test_cli_refuses_an_unusable_file_in_one_line(tmp_path, kind):
    make, words = UNUSABLE[kind]
    path = make(tmp_path)
    p = _xrjig(str(path), cwd=tmp_path)
    assert p.returncode == 1 and p.stdout == ""
    lines = p.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"xrjig: {path}: ") and words in lines[0]
    assert "Traceback" not in p.stderr
