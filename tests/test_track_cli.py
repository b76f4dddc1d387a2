"""``xrjig track``: images, videos, bad sources; output as text or JSON lines."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FACES, HANDS

ROOT = Path(__file__).resolve().parents[1]


def _xrjig(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "app", "track", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_image_gives_one_json_frame_with_hands():
    p = _xrjig(str(HANDS / "hands_two_hands_tfjs.jpg"), "--json")
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert len(lines) == 1
    rec = json.loads(lines[0])
    assert {"frame", "t", "hands", "gaze"} <= rec.keys()
    assert rec["frame"] == 0 and rec["gaze"] is None
    assert sorted(h["handedness"] for h in rec["hands"]) == ["left", "left"]
    assert all(h["pinch"] is False for h in rec["hands"])
    assert p.stderr == ""  # MediaPipe's native log lines are silenced


def test_face_photo_has_gaze():
    rec = json.loads(_xrjig(str(FACES / "portrait_small_depth_tfjs.jpg"), "--json").stdout)
    assert rec["gaze"]["confidence"] == 1.0
    assert abs(rec["gaze"]["yaw_deg"]) < 15


def test_video_prints_one_line_per_frame_up_to_max_frames():
    p = _xrjig(str(HANDS / "asl_hand.25fps.mp4"), "--json", "--max-frames", "4", "--no-face")
    assert p.returncode == 0, p.stderr
    recs = [json.loads(line) for line in p.stdout.splitlines()]
    assert [r["frame"] for r in recs] == [0, 1, 2, 3]
    assert [r["t"] for r in recs] == pytest.approx([0.0, 0.04, 0.08, 0.12])
    assert all(r["hands"][0]["handedness"] == "right" for r in recs)


def test_text_output_names_hands_and_timing():
    p = _xrjig(str(HANDS / "mp_gesture_victory.jpg"))
    assert p.returncode == 0
    assert "right open" in p.stdout and "mediapipe" in p.stdout and "gaze" in p.stdout


@pytest.mark.parametrize("kind", ["fake_video", "missing", "camera"])
def test_bad_source_is_one_line_and_exit_1(tmp_path, kind):
    if kind == "fake_video":
        src = tmp_path / "clip.mp4"
        src.write_text("not a video")
        expected = "not a readable video"
    elif kind == "missing":
        src, expected = tmp_path / "gone.png", "no such file"
    else:
        src, expected = "99", "camera 99: no camera"
    before = sorted(tmp_path.iterdir())
    p = _xrjig(str(src), cwd=tmp_path)
    assert p.returncode == 1
    assert p.stdout == ""
    assert len(p.stderr.strip().splitlines()) == 1 and expected in p.stderr
    assert "Traceback" not in p.stderr
    assert sorted(tmp_path.iterdir()) == before  # nothing written
