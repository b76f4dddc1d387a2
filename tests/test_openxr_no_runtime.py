"""No OpenXR runtime on the machine: the real loader (pyopenxr's) finds none, and the user
gets one sentence, never a traceback. ``XR_RUNTIME_JSON`` points at a missing manifest so
the result does not depend on what this machine has installed."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from devices.openxr.device import OpenXRDevice
from devices.openxr.runtime import OpenXRError, XrRuntime
from interaction.frame import InputFrame

NO_RUNTIME = "no OpenXR runtime is installed or active"


@pytest.fixture
def no_runtime(tmp_path, monkeypatch):
    env = {"XR_RUNTIME_JSON": str(tmp_path / "missing_runtime.json")}
    monkeypatch.setenv("XR_RUNTIME_JSON", env["XR_RUNTIME_JSON"])
    return env


def test_runtime_raises_one_sentence(no_runtime):
    with pytest.raises(OpenXRError) as err:
        XrRuntime()
    assert str(err.value).startswith(NO_RUNTIME)


def test_device_is_unavailable_and_start_sets_error_without_raising(no_runtime):
    device = OpenXRDevice()
    assert not device.available
    assert device.why_not.startswith(NO_RUNTIME)
    device.start()
    assert device.error is not None and device.error.startswith(NO_RUNTIME)
    frame = device.poll(0.5)
    assert isinstance(frame, InputFrame) and frame.t == 0.5
    assert not frame.right.tracked
    device.stop()
    device.stop()  # twice is fine


@pytest.mark.parametrize("as_json", [False, True])
def test_xrjig_devices_says_so_and_exits_0(no_runtime, as_json):
    args = [sys.executable, "-m", "app", "devices"] + (["--json"] if as_json else [])
    done = subprocess.run(
        args,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **no_runtime},
        check=False,
    )
    assert done.returncode == 0
    assert "Traceback" not in done.stderr
    assert "OpenXR-Loader" not in done.stderr  # the loader's own diagnostics are silenced
    if as_json:
        report = json.loads(done.stdout)
        assert report["openxr"]["available"] is False
        assert report["openxr"]["why_not"].startswith(NO_RUNTIME)
        assert isinstance(report["cameras"], list)
    else:
        first = done.stdout.splitlines()[0]
        assert first.startswith(f"OpenXR: {NO_RUNTIME}")
        assert any(line.startswith("Cameras: ") for line in done.stdout.splitlines())
