"""Which input device to run: the ``--device`` spec and the choices the window offers.

A spec is a short string the command line and the Device menu share:

- ``desktop``: simulated hands driven by mouse and keyboard (always available);
- ``camera`` or ``camera:N``: webcam N (default 0) through MediaPipe;
- ``video:PATH``: a video file played as if it were a camera (demos, tests, trials);
- ``openxr``: a headset through the OpenXR runtime (``devices/openxr``, when present).

``make_device`` only builds the device; whether it can run here is the device's own
``available`` / ``why_not``, which the window shows instead of switching. Cameras are
listed from the operating system's device nodes, never by opening them, so building
the menu costs nothing and never grabs a camera another program is using.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path

from devices.base import Device
from devices.camera.device import CameraDevice
from devices.desktop import DesktopDevice
from interaction.frame import InputFrame

SPEC_HELP = "desktop, camera, camera:N, video:PATH or openxr"
#: where the OpenXR headset device lives (written separately; optional until it exists)
OPENXR_MODULE = "devices.openxr.device"


class DeviceSpecError(ValueError):
    """A ``--device`` value that names no device; the message is one sentence for the user."""


@dataclass(frozen=True)
class DeviceChoice:
    """One entry of the device chooser: what to show and the spec that builds it."""

    label: str
    spec: str
    #: why it cannot be chosen here ("" when it can)
    why_not: str = ""


def make_device(spec: str, reach: float = 0.5) -> Device:
    """The device a spec names (see module docstring); raises DeviceSpecError otherwise.

    ``reach``: where simulated hands start (scene units), for ``desktop``."""
    kind, _, arg = spec.strip().partition(":")
    kind = kind.lower()
    if kind == "desktop" and not arg:
        return DesktopDevice(reach=reach)
    if kind == "camera":
        if not arg:
            return CameraDevice(0)
        if arg.isdigit():
            return CameraDevice(int(arg))
        raise DeviceSpecError(f"device '{spec}': the camera index must be a number, like camera:0")
    if kind == "video":
        if not arg:
            raise DeviceSpecError(f"device '{spec}': give the video file, like video:clip.mp4")
        return CameraDevice(Path(arg).expanduser())
    if kind == "openxr" and not arg:
        return _openxr_device()
    raise DeviceSpecError(f"unknown device '{spec}': use {SPEC_HELP}")


def _openxr_device() -> Device:
    """The headset device, or a stand-in that says why there is none in this build."""
    if importlib.util.find_spec(OPENXR_MODULE) is None:
        return Unavailable("openxr", "OpenXR headset support is not part of this build")
    from app.headset import HeadsetDevice  # OpenXR input, eyes drawn by the shared renderer

    return HeadsetDevice()


class Unavailable:
    """A device that cannot exist here (its code is missing): never available, says why."""

    available = False
    error: str | None = None

    def __init__(self, name: str, why_not: str) -> None:
        self.name = name
        self.why_not = why_not

    def start(self) -> None:
        self.error = self.why_not  # a session given it anyway falls back at once

    def stop(self) -> None:
        pass

    def poll(self, t: float) -> InputFrame:
        return InputFrame(t=t)


def list_cameras() -> list[tuple[int, str]]:
    """(index, name) of the video capture devices the OS lists, without opening any.

    Linux: ``/sys/class/video4linux`` (one camera often has a second, metadata-only node,
    which reports ``index`` 1 and is skipped). Elsewhere cameras cannot be listed without
    opening them, so camera 0 is offered and its ``why_not`` tells whether it opens."""
    if not sys.platform.startswith("linux"):
        return [(0, "camera 0")]
    cameras = []
    for node in sorted(Path("/sys/class/video4linux").glob("video*")):
        number = node.name.removeprefix("video")
        if not number.isdigit() or _read(node / "index", "0") != "0":
            continue
        cameras.append((int(number), _read(node / "name", f"camera {number}")))
    return sorted(cameras)


def _read(path: Path, default: str) -> str:
    try:
        return path.read_text().strip() or default
    except OSError:
        return default


def device_choices() -> list[DeviceChoice]:
    """What the device chooser lists, in order: desktop, each camera, the headset.

    (Video files are chosen with a file dialog, so they are not listed here.)"""
    choices = [DeviceChoice("Desktop (simulated hands)", "desktop")]
    for index, name in list_cameras():
        spec = f"camera:{index}"
        choices.append(DeviceChoice(f"Camera {index}: {name}", spec, CameraDevice(index).why_not))
    headset = _openxr_device()
    choices.append(DeviceChoice("Headset (OpenXR)", "openxr", headset.why_not))
    return choices
