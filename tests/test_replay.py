"""The replay device: playback clock, speed limits, seeking and gap-free step hand-out."""

from __future__ import annotations

import pytest

from devices.base import Device
from devices.replay import ReplayDevice
from interaction.commands import Reset
from tests.test_recording import moving_frames, write_session


@pytest.fixture
def recorded(tmp_path):
    frames = moving_frames(450)  # 5 s at 90 Hz
    write_session(tmp_path / "r.mcap", frames)
    return tmp_path / "r.mcap", frames


def test_plays_at_speed_and_clamps_speed(recorded):
    path, frames = recorded
    dev = ReplayDevice(path, speed=2.0)
    assert isinstance(dev, Device) and dev.available and dev.why_not == ""
    dev.start()
    assert dev.poll(100.0).t == 0.0
    f = dev.poll(100.5)  # 0.5 s of session time at 2x -> 1.0 s of recording
    assert f.to_bytes() == frames[90].to_bytes() and dev.index == 90
    dev.speed = 100
    assert dev.speed == 16.0
    dev.speed = 0.01
    assert dev.speed == 0.25
    dev.playing = False
    assert dev.poll(200.0).t == frames[90].t
    dev.playing = True
    dev.speed = 16
    dev.poll(201.0)
    assert dev.at_end and dev.index == 449
    dev.stop()


def test_advance_hands_out_every_step_once_with_commands(recorded):
    path, frames = recorded
    dev = ReplayDevice(path, speed=16.0)
    dev.start()
    seen = []
    t = 0.0
    while not dev.at_end or not seen or seen[-1][0] < 449:
        seen += dev.advance(t)
        t += 1 / 60
    assert [i for i, _, _ in seen] == list(range(450))
    assert all(f.to_bytes() == frames[i].to_bytes() for i, f, _ in seen)
    assert seen[5][2] == [Reset()] and all(not c for i, _, c in seen if i != 5)


def test_seek_by_time_and_index(recorded):
    path, frames = recorded
    dev = ReplayDevice(path)
    dev.seek(2.5)
    assert dev.index == 225
    dev.seek_index(400)
    assert dev.position == frames[400].t
    dev.start()
    assert [i for i, _, _ in dev.advance(0.0)] == [400]
    dev.seek(-3)
    assert dev.index == 0


def test_params_change_is_reported_at_its_frame(tmp_path):
    from interaction.recording_writer import Recorder

    frames = moving_frames(100)
    with Recorder(tmp_path / "p.mcap", {"participant": "P"}) as rec:
        for i, f in enumerate(frames):
            if i == 60:
                rec.write_params({"dwell_time_s": 1.5}, rebuilt=False)
            rec.write_frame(f)
    dev = ReplayDevice(tmp_path / "p.mcap")
    assert dev.params_change_at(60) == ({"dwell_time_s": 1.5}, False)
    assert dev.params_change_at(59) is None and dev.params_change_at(61) is None


def test_missing_file_is_unavailable_with_reason(tmp_path):
    dev = ReplayDevice(tmp_path / "nope.mcap")
    assert not dev.available and "nope.mcap" in dev.why_not
