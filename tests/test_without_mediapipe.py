"""Where MediaPipe is absent (Python 3.13+: its last model-carrying release has no build
there), everything but camera tracking works, and camera tracking says why wherever a
camera would be offered: the device chooser, ``xrjig devices``, ``xrjig track``.

Run in fresh interpreters with the ``mediapipe`` import refused, as on such a machine.
"""

from __future__ import annotations

import json
import subprocess
import sys

from scenes.samples import SAMPLE_SCENARIO
from tests.conftest import DATA

_BLOCKED = """
import importlib.abc, sys
class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] == "mediapipe":
            raise ModuleNotFoundError(f"No module named {name!r}")
sys.meta_path.insert(0, Refuse())
"""


def _cli(*argv: str) -> subprocess.CompletedProcess:
    code = _BLOCKED + f"from app.cli import main\nsys.exit(main({list(argv)!r}))"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=240)


def test_track_says_why_in_one_line():
    done = _cli("track", str(DATA / "hands" / "mp_gesture_victory.jpg"))
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.strip().count("\n") == 0 and "camera tracking needs MediaPipe" in done.stderr


def test_devices_lists_camera_tracking_as_unavailable():
    done = _cli("devices", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["camera_tracking"]["available"] is False
    assert "MediaPipe" in report["camera_tracking"]["why_not"]


def test_the_rest_works():
    for argv in (["check", str(SAMPLE_SCENARIO)],
                 ["markers", str(DATA / "markers" / "singlemarkersoriginal.jpg"), "--json"]):
        done = _cli(*argv)
        assert done.returncode == 0, (argv, done.stderr[-1500:])


def test_the_device_chooser_disables_cameras_with_the_reason():
    code = _BLOCKED + """
from app.window.device_choice import device_choices, make_device
cameras = [c for c in device_choices() if c.spec.startswith("camera")]
video = make_device("video:" + sys.argv[1])
print(all("MediaPipe" in c.why_not for c in cameras) and bool(cameras), "MediaPipe" in video.why_not)
"""
    done = subprocess.run([sys.executable, "-c", code, str(DATA / "hands" / "asl_hand.25fps.mp4")],
                          capture_output=True, text=True, timeout=240)
    assert done.stdout.split() == ["True", "True"], done.stderr[-1500:]
