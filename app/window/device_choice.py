"""Which input device to run: the ``--device`` spec and the choices the window offers.

A spec is a short string the command line and the Device menu share:

- ``desktop``: simulated hands driven by mouse and keyboard (always available);
- ``camera`` or ``camera:N``: webcam N (default 0) through MediaPipe;
- ``video:PATH``: a video file played as if it were a camera (demos, tests, trials);
- ``openxr``: a headset through the OpenXR runtime (``app.headset.device``).

``make_device`` only builds the device; whether it can run here is the device's own
``available`` / ``why_not``, which the window shows instead of switching. Cameras are
listed by ``devices.camera.listing`` (on Linux from the kernel's list, without opening
them, so building the menu never grabs a camera another program is using).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from devices.base import Device
from devices.camera.device import CameraDevice
from devices.camera.listing import list_cameras
from devices.desktop import DesktopDevice

SPEC_HELP = "desktop, camera, camera:N, video:PATH or openxr"


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
    """The headset (OpenXR input, eyes drawn by the shared renderer); built lazily, as it
    brings OpenGL and the OpenXR loader along."""
    from app.headset.device import headset_device

    return headset_device()


def device_choices() -> list[DeviceChoice]:
    """What the device chooser lists, in order: desktop, each camera (or a disabled
    entry saying there is none), the headset.

    (Video files are chosen with a file dialog, so they are not listed here.)"""
    from PySide6.QtCore import QCoreApplication

    translate = QCoreApplication.translate
    choices = [DeviceChoice(translate("DeviceChoice", "Desktop (simulated hands)"), "desktop")]
    for camera in list_cameras():
        label = translate("DeviceChoice", "Camera {index}: {name}").format(index=camera.index, name=camera.name)
        spec = f"camera:{camera.index}"
        choices.append(DeviceChoice(label, spec, CameraDevice(camera.index).why_not))
    if len(choices) == 1:  # listed anyway, disabled, so the menu says why there is none
        choices.append(DeviceChoice(translate("DeviceChoice", "Camera (none found)"), "camera:0", CameraDevice(0).why_not))
    headset = _openxr_device()
    choices.append(DeviceChoice(translate("DeviceChoice", "Headset (OpenXR)"), "openxr", headset.why_not))
    return choices
