"""Recording format: bit-exact round trip, plain-MCAP readability, damage and crash recovery."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mcap.reader import make_reader

from interaction.events import Event
from interaction.frame import FRAME_DTYPE, JOINT_COUNT, InputFrame
from interaction.recording import (
    COMMANDS_TOPIC,
    EVENTS_TOPIC,
    FRAMES_TOPIC,
    PACKED_DTYPE,
    PARAMS_TOPIC,
    PREVIEW_TOPIC,
    decode_records,
    encode_records,
    quantize,
)
from interaction.recording_reader import Recording, frames_from_records
from interaction.recording_writer import Recorder
from scenes.model import SceneError

ROOT = Path(__file__).resolve().parents[1]


def moving_frames(n: int, hz: float = 90.0, seed: int = 0) -> list[InputFrame]:
    """Two tracked hands with joints, a moving head and gaze; already quantized."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        t = i / hz
        f = InputFrame(t=t)
        f.head[:3] = [0.1 * np.sin(t), 1.6, 0.3]
        for h, hand in enumerate(f.hands):
            hand.tracked = True
            hand.grip[:3] = [0.2 * (2 * h - 1), 1.0 + 0.1 * np.sin(t + h), -0.4]
            hand.aim[:3] = hand.grip[:3]
            hand.pinch = float(rng.uniform())
            joints = np.zeros((JOINT_COUNT, 8), np.float32)
            joints[:, :3] = hand.grip[:3] + rng.normal(0, 0.05, (JOINT_COUNT, 3))
            joints[:, 6] = 1.0
            joints[:, 7] = 0.01
            hand.joints = joints
        f.gaze.origin = f.head[:3].copy()
        f.gaze.direction = np.array([0.0, -0.3, -1.0]) / np.linalg.norm([0.0, -0.3, -1.0])
        f.gaze.confidence = 0.8
        out.append(quantize(f))
    return out


def write_session(path: Path, frames: list[InputFrame], every: int = 30) -> list[Event]:
    """Record frames with an event every ``every`` frames and a command at frame 5."""
    events = []
    with Recorder(path, {"participant": "P07", "variant": "A"}) as rec:
        for i, f in enumerate(frames):
            evs = [Event(i, f.t, "GRAB", hand="right", part="pin", data={"d_mm": i / 7})] if i % every == 0 else []
            events += evs
            rec.write_frame(f, evs, [{"type": "reset"}] if i == 5 else [])
        rec.add_metadata("xrjig.end", {"frames": len(frames)})
    return events


def records(frames: list[InputFrame]) -> np.ndarray:
    return np.array([f.to_record() for f in frames], dtype=FRAME_DTYPE)


def test_round_trip_is_bit_exact(tmp_path):
    frames = moving_frames(200)
    events = write_session(tmp_path / "a.mcap", frames)
    with Recording(tmp_path / "a.mcap") as rec:
        assert rec.warning is None
        assert rec.frames.tobytes() == records(frames).tobytes()
        assert rec.event_lines == [e.to_json() for e in events]
        assert rec.commands == {5: [{"type": "reset"}]}
        assert rec.session == {"participant": "P07", "variant": "A"}
        assert rec.end == {"frames": 200}
        assert rec.frame_count == 200
        assert rec.chunk_count == 200 // 45 + 1  # one chunk per 0.5 s of frames at 90 Hz
        index, frame = rec.seek(1.0)
        assert index == 90 and frame.t == frames[90].t
        assert rec.frame_at(123).to_bytes() == frames[123].to_bytes()
        assert [i for i, _, _ in rec.steps(150)] == list(range(150, 200))


def test_batch_frame_builder_matches_from_record():
    frames = moving_frames(20)
    frames[3].left.joints = None
    frames[4].right.buttons = 3
    frames = [quantize(f) for f in frames]
    for a, b in zip(frames_from_records(records(frames)), frames, strict=True):
        assert a.to_bytes() == b.to_bytes()
        assert (a.left.joints is None) == (b.left.joints is None)
        assert a.right.buttons == b.right.buttons and type(a.right.buttons) is type(b.right.buttons)
        assert type(a.t) is float and type(a.right.pinch) is float and a.right.aim.dtype == np.float64


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_quantize_is_idempotent_and_close(seed):
    rng = np.random.default_rng(seed)
    r = np.zeros(4, dtype=FRAME_DTYPE)
    for name in ("head", "aim", "grip", "gaze_origin"):
        r[name][..., :3] = rng.uniform(-20, 20, r[name][..., :3].shape)
    for name in ("head", "aim", "grip"):
        q = rng.normal(size=r[name][..., 3:].shape)
        r[name][..., 3:] = q / np.linalg.norm(q, axis=-1, keepdims=True)
    r["joints"][..., :3] = r["grip"][:, :, None, :3] + rng.normal(0, 0.1, r["joints"][..., :3].shape)
    r["joints"][..., 3:7] = rng.uniform(-1, 1, r["joints"][..., 3:7].shape)
    r["joints"][..., 7] = rng.uniform(0, 0.02, r["joints"][..., 7].shape)
    r["gaze_direction"] = rng.uniform(-1, 1, (4, 3))
    once = decode_records(encode_records(r))
    assert decode_records(encode_records(once)).tobytes() == once.tobytes()
    np.testing.assert_allclose(once["head"][:, :3], r["head"][:, :3], atol=0.5e-5 + 1e-12)
    np.testing.assert_allclose(once["joints"][..., :3], r["joints"][..., :3], atol=0.5e-4 + 2e-6)
    np.testing.assert_allclose(once["joints"][..., 3:7], r["joints"][..., 3:7], atol=0.5 / 32767 + 1e-7)
    np.testing.assert_allclose(once["gaze_direction"], r["gaze_direction"], atol=0.5 / 32767 + 1e-12)


def test_plain_mcap_reader_sees_channels_and_schemas(tmp_path):
    frames = moving_frames(100)
    write_session(tmp_path / "a.mcap", frames)
    with open(tmp_path / "a.mcap", "rb") as f:
        reader = make_reader(f)
        summary = reader.get_summary()
        channels = {c.topic: c for c in summary.channels.values()}
        assert set(channels) == {FRAMES_TOPIC, EVENTS_TOPIC, COMMANDS_TOPIC, PARAMS_TOPIC, PREVIEW_TOPIC}
        schemas = {s.name: s for s in summary.schemas.values()}
        assert schemas["xrjig.Event"].encoding == "jsonschema"
        assert json.loads(schemas["xrjig.Event"].data)["required"] == ["frame", "t", "kind"]
        assert schemas["foxglove.FrameTransforms"].encoding == "jsonschema"
        descr = json.loads(schemas["xrjig.PackedInputFrame"].data)
        assert np.dtype([tuple(d) for d in descr["numpy_descr"]]).itemsize == PACKED_DTYPE.itemsize
        assert channels[EVENTS_TOPIC].message_encoding == "json"
        assert reader.get_header().profile == "xrjig"
        events = [json.loads(m.data) for _, _, m in reader.iter_messages(topics=[EVENTS_TOPIC])]
        assert [e["frame"] for e in events] == [0, 30, 60, 90]
        preview = [json.loads(m.data) for _, _, m in reader.iter_messages(topics=[PREVIEW_TOPIC])]
        assert 9 <= len(preview) <= 12  # ~10 Hz over 1.1 s
        head = preview[0]["transforms"][0]
        assert head["child_frame_id"] == "head" and head["translation"]["y"] == pytest.approx(1.6)
        n = sum(len(m.data) // PACKED_DTYPE.itemsize for _, _, m in reader.iter_messages(topics=[FRAMES_TOPIC]))
        assert n == 100
        assert {m.name for m in reader.iter_metadata()} == {"xrjig.session", "xrjig.end"}


@pytest.mark.parametrize("fraction", [0.15, 0.5, 0.77, 0.999])
def test_truncated_file_gives_valid_prefix_and_one_warning(tmp_path, fraction):
    frames = moving_frames(400)
    events = write_session(tmp_path / "a.mcap", frames)
    data = (tmp_path / "a.mcap").read_bytes()
    cut = tmp_path / "cut.mcap"
    cut.write_bytes(data[: int(len(data) * fraction)])
    with Recording(cut) as rec:
        got = rec.frames
        assert rec.warning is not None and rec.warning.startswith(str(cut))
        assert "\n" not in rec.warning
        assert got.tobytes() == records(frames[: len(got)]).tobytes()
        assert len(got) >= int(400 * fraction) - 2 * 45 - 45  # at most the last chunk or two lost
        assert rec.event_lines == [e.to_json() for e in events if e.frame < len(got)]


def test_corrupted_chunk_stops_at_the_valid_prefix(tmp_path):
    frames = moving_frames(400)
    write_session(tmp_path / "a.mcap", frames)
    data = bytearray((tmp_path / "a.mcap").read_bytes())
    data[len(data) // 2] ^= 0xFF  # inside a compressed chunk in the middle
    bad = tmp_path / "bad.mcap"
    bad.write_bytes(bytes(data))
    with Recording(bad) as rec:
        got = rec.frames
        assert 0 < len(got) < 400
        assert got.tobytes() == records(frames[: len(got)]).tobytes()
        assert "damaged" in rec.warning
        assert rec.frame_count == len(got) and rec.end_t == frames[len(got) - 1].t


def test_damaged_last_chunk_cuts_to_the_valid_prefix(tmp_path):
    frames = moving_frames(400)
    write_session(tmp_path / "a.mcap", frames)
    with Recording(tmp_path / "a.mcap") as rec:
        last = rec.chunks[-1]
    data = bytearray((tmp_path / "a.mcap").read_bytes())
    data[last.offset + last.length // 2] ^= 0xFF
    bad = tmp_path / "bad.mcap"
    bad.write_bytes(bytes(data))
    with Recording(bad) as rec:
        n = rec.frame_count  # asked first, before any iteration
        assert 0 < n < 400 and rec.warning is not None and "damaged" in rec.warning
        assert rec.frames.tobytes() == records(frames[:n]).tobytes()


@pytest.mark.parametrize("content", [b"", b"hello, not a recording", b"\x89MCAP0\r\n" + b"\x00" * 5])
def test_not_a_recording_is_one_clear_error(tmp_path, content):
    path = tmp_path / "x.mcap"
    path.write_bytes(content)
    with pytest.raises(SceneError) as err:
        Recording(path)
    assert str(path) in str(err.value) and "\n" not in str(err.value)


def test_unwritable_path_and_full_disk_stop_recording_without_raising(tmp_path):
    rec = Recorder(tmp_path / "missing-dir" / "a.mcap", {"participant": "P"})
    assert not rec.ok and "recording stopped" in rec.error and "missing-dir" in rec.error
    for f in moving_frames(60):
        rec.write_frame(f, [Event(0, f.t, "GRAB")])
    rec.close()
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full on this system")
    full = Recorder("/dev/full", {"participant": "P"})
    for f in moving_frames(100):
        full.write_frame(f)
    full.close()
    assert full.error is not None and "No space left" in full.error


_KILL_CHILD = """
import sys, time
sys.path.insert(0, {root!r})
from tests.test_recording import moving_frames
from interaction.recording_writer import Recorder
frames = moving_frames(900)
rec = Recorder({path!r}, {{"participant": "crash"}})
start = time.perf_counter()
for i, f in enumerate(frames):
    time.sleep(max(0.0, start + f.t - time.perf_counter()))
    rec.write_frame(f)
    print(i + 1, flush=True)
"""


def test_sigkill_while_recording_loses_at_most_one_second(tmp_path):
    path = tmp_path / "killed.mcap"
    code = _KILL_CHILD.format(root=str(ROOT), path=str(path))
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    written = 0
    deadline = time.monotonic() + 30
    while written < 270 and time.monotonic() < deadline:  # ~3 s of real-time recording
        written = int(child.stdout.readline() or written)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert written >= 270
    with Recording(path) as rec:
        got = rec.frames
        assert rec.warning is not None
    assert len(got) >= written - 90
    assert got.tobytes() == records(moving_frames(len(got))).tobytes()


def test_the_others_input_of_a_shared_session_round_trips_and_survives_a_cut(tmp_path):
    """Two others' frames, received at their own pace, stored per name at this session's
    time; a file cut short keeps the others of the chunks it keeps."""
    own, bob, carl = moving_frames(300), moving_frames(200, hz=60.0, seed=1), moving_frames(100, hz=30.0, seed=2)
    path = tmp_path / "shared.mcap"
    sent = {"bob": [], "carl": []}
    with Recorder(path, {"participant": "anna"}) as rec:
        for i, f in enumerate(own):
            for name, theirs, every in (("bob", bob, 3), ("carl", carl, 3)):
                if i % every == 0 and i // every < len(theirs):
                    frame = theirs[i // every]
                    rec.write_other(name, frame, f.t)
                    sent[name].append((f.t, frame))
            rec.write_frame(f)
    with Recording(path) as recording:
        others = recording.others()
        assert list(others) == ["bob", "carl"]
        for name, got in others.items():
            expected = np.array([frame.to_record() for _, frame in sent[name]], dtype=FRAME_DTYPE)
            expected["t"] = [t for t, _ in sent[name]]
            assert got.tobytes() == expected.tobytes()  # bit exact, at this session's times
        assert recording.others(("t", "grip"))["bob"].dtype.names == ("t", "grip")
        assert recording.frames.tobytes() == records(own).tobytes()  # own frames untouched
    data = path.read_bytes()
    cut = tmp_path / "cut.mcap"
    cut.write_bytes(data[: len(data) // 2])
    with Recording(cut) as recording:
        kept = recording.columns(("t",))["t"]
        bobs = recording.others(("t",))["bob"]["t"]
        assert 0 < len(bobs) < len(sent["bob"]) and bobs[-1] <= kept[-1]
