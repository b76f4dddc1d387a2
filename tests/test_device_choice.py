"""Device specs (``xrjig --device``) and what the device chooser lists."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from app.window.device_choice import DeviceSpecError, device_choices, make_device
from devices.base import Device
from devices.camera.device import CameraDevice
from devices.desktop import DesktopDevice
from tests.conftest import HANDS


def test_specs_build_their_devices():
    assert isinstance(make_device("desktop"), DesktopDevice)
    assert make_device("camera").source == 0
    assert make_device("camera:2").source == 2
    video = make_device(f"video:{HANDS / 'asl_hand.25fps.mp4'}")
    assert isinstance(video, CameraDevice) and video.source == HANDS / "asl_hand.25fps.mp4"
    assert video.available
    headset = make_device("openxr")
    assert isinstance(headset, Device) and headset.name == "openxr"


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("kinect", "unknown device 'kinect': use desktop, camera, camera:N, video:PATH or openxr"),
        ("camera:front", "the camera index must be a number, like camera:0"),
        ("video:", "give the video file, like video:clip.mp4"),
        ("desktop:1", "unknown device 'desktop:1'"),
    ],
)
def test_bad_specs_are_one_sentence(spec, says):
    with pytest.raises(DeviceSpecError) as err:
        make_device(spec)
    assert says in str(err.value) and "\n" not in str(err.value)


def test_a_missing_video_is_built_but_says_why_it_cannot_run():
    device = make_device("video:/no/such/clip.mp4")
    assert not device.available and device.why_not == "/no/such/clip.mp4: no such file"


def test_choices_explain_what_cannot_be_chosen():
    choices = device_choices()
    assert choices[0].spec == "desktop" and not choices[0].why_not
    assert choices[-1].spec == "openxr"
    assert bool(choices[-1].why_not) != make_device("openxr").available
    cameras = [c for c in choices if c.spec.startswith("camera:")]
    assert cameras  # listed even when there is none, disabled with the reason
    if not Path("/dev/video0").exists() and sys.platform.startswith("linux"):
        assert cameras == [c for c in choices if c.label == "Camera (none found)"]
        assert "does not exist" in cameras[0].why_not


def test_the_command_line_rejects_an_unknown_device_in_one_line():
    from app.window.launch import run

    with pytest.raises(SystemExit, match="^xrjig: unknown device 'kinect'"):
        run(None, device="kinect")
