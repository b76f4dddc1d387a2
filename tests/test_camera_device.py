"""CameraDevice: the threaded Device on real video, its failure paths and its privacy."""

from __future__ import annotations

import builtins
import os
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from devices.base import Device
from devices.camera.device import CameraDevice
from devices.camera.source import FrameSource
from devices.camera.tracker import TrackerSettings
from scenes.model import SceneError
from tests.conftest import HANDS
from tests.fake_capture import UnpluggedCapture

VIDEO = HANDS / "asl_hand.25fps.mp4"


def _wait(predicate, timeout=30.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def test_is_a_device_and_reports_why_not():
    assert isinstance(CameraDevice(VIDEO), Device)
    assert CameraDevice(VIDEO).available
    missing = CameraDevice("/no/such/clip.mp4")
    assert not missing.available and "no such file" in missing.why_not
    if not Path("/dev/video99").exists():
        assert "camera 99" in CameraDevice(99).why_not


def test_missing_camera_sets_one_line_error_without_raising():
    seen = []
    dev = CameraDevice(99, on_error=seen.append)
    dev.start()
    dev.stop()
    assert dev.error is not None and "\n" not in dev.error
    assert dev.error.startswith("camera 99:")
    assert seen == [dev.error]
    frame = dev.poll(1.0)
    assert frame.t == 1.0 and not any(h.tracked for h in frame.hands)


def test_unreadable_video_sets_a_clear_error(tmp_path):
    fake = tmp_path / "clip.mp4"
    fake.write_text("this is not a video\n")
    dev = CameraDevice(fake)
    dev.start()
    dev.stop()
    assert dev.error == f"{fake}: not a readable video (or an unsupported codec)"
    with pytest.raises(SceneError, match="not a readable video"):
        FrameSource(fake)
    bad_image = tmp_path / "photo.jpg"
    bad_image.write_bytes(b"\xff\xd8 truncated")
    with pytest.raises(SceneError, match="not a readable image"):
        FrameSource(bad_image)


def test_camera_that_stops_delivering_frames_is_reported(monkeypatch):
    """An unplugged camera: VideoCapture opened, then every read fails."""
    monkeypatch.setattr(cv2, "VideoCapture", UnpluggedCapture)
    dev = CameraDevice(0)
    dev.start()
    assert _wait(lambda: dev.error is not None)
    dev.stop()
    assert "stopped delivering frames" in dev.error


def test_video_as_camera_gives_tracked_frames_without_blocking():
    dev = CameraDevice(VIDEO, realtime=True, loop=False, settings=TrackerSettings(track_face=False))
    dev.start()
    try:
        start = time.perf_counter()
        first = dev.poll(0.0)  # before any result: untracked, immediately
        assert time.perf_counter() - start < 0.01
        assert not first.hands[1].tracked
        assert _wait(lambda: dev.latest() is not None)
        times = []
        for i in range(20):
            t0 = time.perf_counter()
            frame = dev.poll(1.0 + i / 90)
            times.append(time.perf_counter() - t0)
            time.sleep(1 / 90)
        assert max(times) < 0.012  # never waits for MediaPipe (a tracked frame takes 20 ms and more)
        assert frame.t == pytest.approx(1.0 + 19 / 90)
        assert frame.hands[1].tracked and frame.hands[1].joints is not None
        assert frame.hands[1].joints.shape == (26, 8)
        # real time: the video's clock advances with the wall clock, not faster
        r1, w1 = dev.latest(), time.perf_counter()
        time.sleep(1.0)
        r2, w2 = dev.latest(), time.perf_counter()
        assert r2.t - r1.t == pytest.approx(w2 - w1, abs=0.25)
    finally:
        dev.stop()
    assert dev.error is None


def test_stale_results_are_not_reported_as_tracked():
    dev = CameraDevice(
        VIDEO,
        realtime=False,
        loop=False,
        stale_after=0.2,
        settings=TrackerSettings(track_face=False),
    )
    dev.start()
    try:
        assert _wait(lambda: dev.latest() is not None)
        dev.stop()  # no new frames from here
        time.sleep(0.3)
        assert not dev.poll(5.0).hands[1].tracked
    finally:
        dev.stop()


def test_no_file_is_written_during_a_tracked_session(tmp_path, monkeypatch):
    """Privacy: frames stay in memory. Writing is made impossible (open for writing,
    cv2.imwrite, cv2.VideoWriter raise), HOME and the working directory are a fresh
    folder, and nothing appears there."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(home)
    real_open = builtins.open

    def no_write_open(file, mode="r", *args, **kwargs):
        if any(c in mode for c in "wax+"):
            raise AssertionError(f"tried to write {file}")
        return real_open(file, mode, *args, **kwargs)

    def forbidden(*args, **kwargs):
        raise AssertionError("tried to write an image or video")

    monkeypatch.setattr(builtins, "open", no_write_open)
    monkeypatch.setattr(cv2, "imwrite", forbidden)
    monkeypatch.setattr(cv2, "VideoWriter", forbidden)
    before = set(os.listdir(tmp_path))
    dev = CameraDevice(VIDEO, realtime=False, loop=False)
    dev.start()
    try:
        assert _wait(lambda: dev.latest() is not None and dev.latest().index >= 10)
    finally:
        dev.stop()
    assert dev.error is None
    assert set(os.listdir(tmp_path)) == before
    assert list(home.rglob("*")) == []
    assert np.isfinite(dev.latest().frame.hands[1].aim).all()


def test_tracking_failure_inside_mediapipe_becomes_an_error(monkeypatch):
    def broken(self, bgr, t, captured_at=None):
        raise RuntimeError("CalculatorGraph::Run() failed\nmore detail")

    monkeypatch.setattr("devices.camera.tracker.MediaPipeTracker.process", broken)
    dev = CameraDevice(
        VIDEO, realtime=False, loop=False, settings=TrackerSettings(track_face=False)
    )
    dev.start()
    assert _wait(lambda: dev.error is not None)
    dev.stop()
    assert dev.error == f"{VIDEO}: tracking failed (CalculatorGraph::Run() failed)"


def test_gaze_calibration_set_on_the_device_reaches_the_tracker():
    """A photo as the camera; a calibration mapping everything to 10 deg right, 5 deg down."""
    from devices.camera.gaze import GazeCalibration
    from tests.conftest import FACES

    cal = GazeCalibration(1)
    cal.fit(np.random.default_rng(1).normal(size=(6, 4)), np.tile(np.radians([10.0, -5.0]), (6, 1)))
    dev = CameraDevice(FACES / "portrait_small_depth_tfjs.jpg")
    dev.calibration = cal
    dev.start()
    try:
        assert _wait(lambda: dev.latest() is not None)
        d = dev.poll(0.5).gaze.direction
    finally:
        dev.stop()
    assert np.degrees(np.arctan2(d[0], -d[2])) == pytest.approx(10.0, abs=1.0)
    assert np.degrees(np.arcsin(d[1])) == pytest.approx(-5.0, abs=1.0)
