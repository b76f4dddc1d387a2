"""Which cameras this machine has, without opening them or loading MediaPipe.

On Linux the kernel lists V4L2 devices in /sys: each webcam shows as one capture node
(``index`` 0) plus metadata nodes, and OpenCV's camera index is the N of /dev/videoN. Other
systems have no such list, so indices 0..``probe_count``-1 are tried with OpenCV.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

SYSFS = Path("/sys/class/video4linux")


@dataclass(frozen=True)
class CameraInfo:
    #: the index to pass to ``--camera`` / FrameSource
    index: int
    name: str


def _read(path: Path) -> str:
    try:
        return path.read_text().strip()
    except OSError:
        return ""


def list_cameras(sysfs: Path = SYSFS, probe_count: int = 4) -> list[CameraInfo]:
    """Cameras by index, in index order."""
    if sys.platform.startswith("linux"):
        found = []
        for node in sysfs.glob("video*"):
            number = node.name[len("video") :]
            # index 0 is the node that captures frames; higher ones carry metadata
            if number.isdigit() and _read(node / "index") in ("", "0"):
                found.append(CameraInfo(int(number), _read(node / "name") or node.name))
        return sorted(found, key=lambda c: c.index)
    return _probe_with_opencv(probe_count)


def _probe_with_opencv(count: int) -> list[CameraInfo]:
    from devices.camera.source import _cv2

    cv2 = _cv2()
    found = []
    for index in range(count):
        cap = cv2.VideoCapture(index)
        if cap.isOpened():
            found.append(CameraInfo(index, f"camera {index}"))
        cap.release()
    return found
