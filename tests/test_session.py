"""Session: device -> engine -> recorder -> signals, ticked headlessly with the real engine on AS1."""

from __future__ import annotations

import numpy as np
import pytest

from app.session.session import Session
from devices.desktop import DesktopDevice
from interaction.commands import MarkPoint, Reset
from interaction.events import EventKind
from interaction.params import InteractionParams, scenario_params
from interaction.recording_reader import Recording
from interaction.recording_writer import Recorder
from scenes.index import SceneIndex
from scenes.model import SceneError
from scenes.scenario import load_scenario
from scenes.scenario_document import inspection_point_from_hit
from scenes.transforms import look_at
from tests.conftest import AS1

RATE = 1 / 90


def _scenario(scene):
    return load_scenario(AS1, scene=scene)


def _device_looking_at(point, distance=0.35):
    head = look_at(
        point + np.array([0.0, 0.6, 1.0]) * distance / np.linalg.norm([0, 0.6, 1.0]), point
    )
    return DesktopDevice(head=head, reach=distance * 0.8)


def hand_to(session, world, t):
    """Drive the desktop device's active hand to a world point through its own controls:
    hold E / Q for exactly the time the depth change needs, then move the cursor."""
    dev = session.device
    head = dev.head_matrix
    local = np.linalg.inv(head) @ np.append(world, 1.0)
    hand = np.linalg.inv(head) @ np.append(dev.hand_matrix(1)[:3, 3], 1.0)
    ratio = local[2] / hand[2]
    key = "e" if ratio > 1 else "q"
    dev.on_key(key, True)
    t += abs(np.log(ratio)) / 1.0  # depth changes by e^(1/s * dt)
    session.tick(t)
    dev.on_key(key, False)
    clip = dev.projection @ local
    dev.on_mouse_move(clip[0] / clip[3], clip[1] / clip[3])
    t += RATE
    session.tick(t)
    np.testing.assert_allclose(dev.hand_matrix(1)[:3, 3], world, atol=1e-6)
    return t


def _surface_point(session, part):
    """A point on the part's surface: straight down onto the centre of its posed bounds."""
    lo, hi = session.engine.index.part_world_bounds(part)
    c = (lo + hi) / 2
    hit = session.engine.index.ray(np.array([c[0], hi[1] + 0.1, c[2]]), np.array([0.0, -1.0, 0.0]))
    assert hit is not None and hit.part == part
    return hit.point


def test_grab_carry_and_snap_with_the_desktop_device(qtbot, as1, tmp_path):
    scenario = _scenario(as1)
    part = scenario.steps[0].parts[0]
    index = SceneIndex(as1)
    start_pose = scenario.start_matrices(as1)[part]
    dev = _device_looking_at(start_pose[:3, 3])
    recorder = Recorder(tmp_path / "run.mcap", {"scene": str(AS1)})
    session = Session(as1, scenario, InteractionParams(), dev, index, recorder=recorder)
    stepped = []
    session.stepped.connect(lambda state, events: stepped.append(list(events)))
    t = 0.0
    session.tick(t)
    grab_at = _surface_point(session, part)
    t = hand_to(session, grab_at, t)
    dev.on_key("g", True)
    t += RATE
    events = session.tick(t)
    assert [(e.kind, e.part) for e in events if e.kind == EventKind.GRAB] == [
        (EventKind.GRAB, part)
    ]
    assert session.engine.state.held[1] == part
    # carry it: the hand moves by the offset between where the part is and where it belongs
    target = scenario.target_matrix(as1, part)
    shift = target[:3, 3] - session.engine.state.part_poses[part][:3, 3]
    t = hand_to(session, grab_at + shift, t)
    assert session.engine.state.magnet_zones  # shown while held
    dev.on_key("g", False)
    t += RATE
    events = session.tick(t)
    kinds = [e.kind for e in events]
    assert EventKind.SNAP in kinds and EventKind.STEP_DONE in kinds
    snap = next(e for e in events if e.kind == EventKind.SNAP)
    assert snap.data["position_error_mm"] < 1.0
    np.testing.assert_allclose(session.engine.state.part_poses[part], target, atol=1e-6)
    assert session.engine.state.steps[scenario.steps[0].id].done
    assert len(stepped) == session.frame_count and any(
        EventKind.SNAP in [e.kind for e in s] for s in stepped
    )
    session.stop()
    with Recording(tmp_path / "run.mcap") as rec:
        assert rec.frame_count == session.frame_count
        assert EventKind.SNAP in [e.kind for e in rec.events]


class _FailingDevice:
    """A device whose hardware goes away after a few frames (as a camera unplugged would)."""

    name = "camera"
    available = True
    why_not = ""

    def __init__(self, fail_after, how):
        self.error = None
        self.polls = 0
        self.stopped = False
        self.fail_after, self.how = fail_after, how
        self.inner = DesktopDevice()

    def start(self):
        pass

    def stop(self):
        self.stopped = True

    def poll(self, t):
        self.polls += 1
        if self.polls > self.fail_after:
            if self.how == "raise":
                raise OSError("camera unplugged")
            self.error = "lost the camera"
        return self.inner.poll(t)


@pytest.mark.parametrize("how", ["error", "raise"])
def test_failing_device_falls_back_to_desktop_and_recording_continues(qtbot, as1, tmp_path, how):
    failing = _FailingDevice(3, how)
    recorder = Recorder(tmp_path / "fallback.mcap", {"scene": str(AS1)})
    session = Session(
        as1, _scenario(as1), InteractionParams(), failing, SceneIndex(as1), recorder=recorder
    )
    messages, switched = [], []
    session.message.connect(messages.append)
    session.device_changed.connect(switched.append)
    for i in range(8):
        session.tick(i * RATE)
    assert isinstance(session.device, DesktopDevice) and failing.stopped
    assert switched == ["desktop"] and len(messages) == 1 and "camera" in messages[0]
    # the desktop device takes over where the user's head was
    np.testing.assert_allclose(
        session.device.head_matrix[:3, 3], failing.inner.head_matrix[:3, 3], atol=1e-3
    )
    session.stop()
    with Recording(tmp_path / "fallback.mcap") as rec:
        assert rec.frame_count == 8


def test_inspection_point_seen_by_gaze_then_marked_by_command(qtbot, as1):
    scenario = _scenario(as1)
    authored = SceneIndex(as1)
    hit = authored.ray(np.array([0.1, 1.0, -0.07]), np.array([0.0, -1.0, 0.0]))
    scenario.inspection_points.append(inspection_point_from_hit(as1, hit, []))
    dev = DesktopDevice()
    session = Session(as1, scenario, InteractionParams(), dev, SceneIndex(as1))
    session.tick(0.0)
    point = session.engine.state.points["P1"]
    session.submit(MarkPoint("P1", "pass"))
    refused = [e for e in session.tick(RATE) if e.kind == EventKind.POINT_MARKED]
    assert refused[0].data["accepted"] is False  # not looked at yet
    # look straight at it: the gaze follows the cursor at the centre of the view
    dev.set_head(look_at(point.position + point.normal * 0.3, point.position))
    dev.on_mouse_move(0.0, 0.0)
    t, seen = RATE, []
    while t < 1.0 and not seen:
        t += RATE
        seen = [e for e in session.tick(t) if e.kind == EventKind.POINT_SEEN]
    assert seen and seen[0].point == "P1"
    assert t == pytest.approx(0.6 + 2 * RATE, abs=2 * RATE)  # after the dwell time
    session.submit(MarkPoint("P1", "defect", "scratch"))
    events = session.tick(t + RATE)
    marked = [e for e in events if e.kind == EventKind.POINT_MARKED]
    assert (
        len(marked) == 1
        and marked[0].data["accepted"]
        and marked[0].frame == session.frame_count - 1
    )
    assert session.engine.state.points["P1"].verdict == "defect"
    session.submit(Reset())
    assert EventKind.RESET in [e.kind for e in session.tick(t + 2 * RATE)]


def test_live_params_and_restart_on_tolerance_change_are_recorded(qtbot, as1, tmp_path):
    recorder = Recorder(tmp_path / "params.mcap", {"scene": str(AS1)})
    session = Session(
        as1,
        _scenario(as1),
        InteractionParams(),
        DesktopDevice(),
        SceneIndex(as1),
        recorder=recorder,
    )
    engine = session.engine
    messages = []
    session.message.connect(messages.append)
    session.tick(0.0)
    session.set_params(InteractionParams(magnet_radius_mm=50.0))
    assert session.engine is engine and engine.params.magnet_radius_mm == 50.0 and messages == []
    session.tick(RATE)
    session.set_params(InteractionParams(magnet_radius_mm=50.0, snap_position_mm=15.0))
    assert session.engine is not engine and len(messages) == 1
    slot = next(iter(session.engine.slots.values()))
    assert slot.position_tol_m == pytest.approx(0.015)
    session.tick(2 * RATE)
    session.stop()
    with Recording(tmp_path / "params.mcap") as rec:
        changes = {
            f: (p["magnet_radius_mm"], p["snap_position_mm"], r)
            for f, (p, r) in rec.params_changes.items()
        }
    assert changes == {1: (50.0, 5.0, False), 2: (50.0, 15.0, True)}


def test_scenario_params_layers_tolerances_and_variants(as1):
    scenario = _scenario(as1)
    scenario.tolerances = {"position_mm": 8.0, "magnet_mm": 40.0}
    scenario.variants = {"loose": {"snap_position_mm": 15, "dwell_time_s": "1.5"}}
    p = scenario_params(scenario)
    assert (p.snap_position_mm, p.magnet_radius_mm) == (8.0, 40.0)
    p = scenario_params(scenario, "loose")
    assert (p.snap_position_mm, p.magnet_radius_mm, p.dwell_time_s) == (15.0, 40.0, 1.5)
    with pytest.raises(SceneError, match="unknown variant .tight."):
        scenario_params(scenario, "tight")


def test_synthetic_index_finger_pokes_an_inspection_marker(qtbot, as1):
    from interaction.frame import Joint

    scenario = _scenario(as1)
    hit = SceneIndex(as1).ray(np.array([0.1, 1.0, -0.07]), np.array([0.0, -1.0, 0.0]))
    scenario.inspection_points.append(inspection_point_from_hit(as1, hit, []))
    dev = DesktopDevice(reach=0.25)
    session = Session(as1, scenario, InteractionParams(), dev, SceneIndex(as1))
    session.tick(0.0)
    point = session.engine.state.points["P1"]
    # look down the marker's normal, so the fingers (hand -Z) point into the surface
    dev.set_head(look_at(point.position + point.normal * 0.35, point.position))
    t = session.tick(RATE) and RATE

    def tip_offset():
        frame = dev.poll(t)
        return frame.right.joints[Joint.INDEX_TIP, :3].astype(float) - frame.right.grip[:3]

    pokes = []
    session.stepped.connect(
        lambda state, events: pokes.extend(e for e in events if e.kind == EventKind.POKE)
    )
    for height in (0.03, 0.015, 0.005, -0.003):
        target = point.position + point.normal * height - tip_offset()
        t = hand_to(session, target, t)
        tip = dev.poll(t).right.joints[Joint.INDEX_TIP, :3]
        np.testing.assert_allclose((tip - point.position) @ point.normal, height, atol=1e-4)
        if height > 0:
            assert not pokes, f"poked while the tip was {height * 1000:.0f} mm above"
    assert [e.point for e in pokes] == ["P1"] and pokes[0].hand == "right"


class _GuiThreadDevice(DesktopDevice):
    """A desktop device that asks to be polled on the GUI thread, as a headset does."""

    ticks_on_gui_thread = True


def test_the_tick_thread_keeps_its_rate_while_the_gui_thread_is_busy(qtbot, as1):
    """A paint that takes 300 ms must not stop the engine: the tick thread steps on at its
    rate meanwhile, and the views are then told, on the GUI thread, of the newest state."""
    import threading
    import time

    scenario = _scenario(as1)
    session = Session(as1, scenario, InteractionParams(), _device_looking_at(np.zeros(3)), SceneIndex(as1))
    told = []
    session.stepped.connect(lambda state, events: told.append((state.frame, list(events))))
    session.start()
    try:
        assert session.threaded
        qtbot.waitUntil(lambda: session.frame_count > 5, timeout=5000)
        before, gui = session.frame_count, threading.get_ident()
        deadline = time.monotonic() + 10  # the GUI thread is stuck (a slow paint) ...
        while session.frame_count < before + 10 and time.monotonic() < deadline:
            time.sleep(0.01)
        stepped_meanwhile = session.frame_count - before
        told.clear()
        qtbot.waitUntil(lambda: bool(told), timeout=2000)
        assert threading.get_ident() == gui
    finally:
        session.stop()
    assert stepped_meanwhile >= 10  # ... and the steps went on (their rate is bench/'s business)
    assert told[0][0] >= before + stepped_meanwhile - 1  # the views see the newest state
    assert not session.running


def test_a_device_polled_on_the_gui_thread_is_ticked_there(qtbot, as1):
    import threading

    scenario = _scenario(as1)
    device = _GuiThreadDevice(head=np.eye(4))
    polled_on = set()
    poll = device.poll
    device.poll = lambda t: (polled_on.add(threading.get_ident()), poll(t))[1]
    session = Session(as1, scenario, InteractionParams(), device, SceneIndex(as1))
    session.start()
    try:
        assert session.running and not session.threaded
        qtbot.waitUntil(lambda: session.frame_count > 3, timeout=5000)
        session.set_device(_device_looking_at(np.zeros(3)))  # a plain desktop device: the tick thread
        assert session.threaded
        qtbot.waitUntil(lambda: session.frame_count > 10, timeout=5000)
    finally:
        session.stop()
    assert polled_on == {threading.get_ident()}
