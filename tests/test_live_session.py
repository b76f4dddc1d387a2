"""The live session without Qt (app/session/live.py): what a headless participant, a server
or a tool runs. No QApplication here; the window's wrapper is tested in test_session.py.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import numpy as np

from app.session.live import LiveSession
from devices.desktop import DesktopDevice
from interaction.commands import Reset
from interaction.events import EventKind
from interaction.params import InteractionParams
from scenes.index import SceneIndex
from scenes.scenario import load_scenario
from tests.conftest import AS1


class Paced(DesktopDevice):
    """Asks to be polled by an outside loop, as a headset does."""

    ticks_on_gui_thread = True


class Failing(DesktopDevice):
    """Fails at its third poll, as an unplugged camera does."""

    def __init__(self) -> None:
        super().__init__(head=np.eye(4))
        self.polls = 0

    def poll(self, t):  # noqa: ANN001, ANN201 - the Device protocol's
        self.polls += 1
        if self.polls == 3:
            raise OSError("device unplugged")
        return super().poll(t)


def _live(as1, device) -> LiveSession:
    scenario = load_scenario(AS1, scene=as1)
    return LiveSession(as1, scenario, InteractionParams(), device, SceneIndex(as1))


def test_it_steps_at_its_rate_on_its_own_thread_and_readers_take_what_they_missed(as1):
    live = _live(as1, DesktopDevice(head=np.eye(4)))
    ticked: list[int] = []
    live.ticked.connect(lambda: ticked.append(threading.get_ident()))
    live.start()
    live.warm_up.stop()  # the steady rate is the point here, not first-use builds holding the GIL
    try:
        assert live.threaded and live.running
        deadline = time.monotonic() + 10
        while live.frame_count < 5 and time.monotonic() < deadline:
            time.sleep(0.01)
        ticked.clear()  # (nothing is told until someone takes what was stepped)
        live.take_unseen()
        before = live.frame_count
        # a reader away while many steps go by (how fast they go is bench/'s business, not this
        # test's: a loaded CI machine stepped 9 in half a second)
        deadline = time.monotonic() + 10
        while live.frame_count < before + 20 and time.monotonic() < deadline:
            time.sleep(0.01)
        told_while_away = len(ticked)
        state, events = live.take_unseen()
        assert state.frame + 1 - before >= 20  # all it stepped meanwhile, at once
        # told once, on the tick thread, however many steps it missed
        assert told_while_away == 1 and ticked[0] != threading.get_ident()
        deadline = time.monotonic() + 3.0  # the next step: 11 ms away, longer on a loaded CI machine
        while len(ticked) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.1)  # and not told more than once, however many steps follow untaken
        assert len(ticked) == 2  # told again once it had taken them
    finally:
        live.stop()
    assert not live.running and live.engine.state.frame == live.frame_count - 1


def test_a_submitted_command_is_applied_with_the_next_step_and_once(as1):
    live = _live(as1, DesktopDevice(head=np.eye(4)))
    live.tick(0.0)
    live.submit(Reset())
    assert [e.kind for e in live.tick(1 / 90)].count(EventKind.RESET) == 1
    assert EventKind.RESET not in [e.kind for e in live.tick(2 / 90)]


def test_a_failing_device_falls_back_to_the_desktop_and_the_steps_go_on(as1):
    failing = Failing()
    live = _live(as1, failing)
    said: list[str] = []
    switched: list[str] = []
    live.message.connect(said.append)
    live.device_changed.connect(switched.append)
    for k in range(5):
        live.tick(k / 90)
    assert live.frame_count == 5 and live.device is not failing
    assert switched == [live.device.name] and "device unplugged" in said[0]


def test_a_device_paced_from_outside_asks_for_it_and_its_fallback_ticks_on_its_own(as1):
    live = _live(as1, Paced(head=np.eye(4)))
    pacing: list[bool] = []
    live.pacing.connect(pacing.append)
    live.start()
    try:
        assert pacing == [True] and live.running and not live.threaded
        t = live.clock()
        assert live.due(t)
        live.tick(t)
        assert not live.due(t)
        live.device.error = "runtime lost"
        live.tick(live.clock())  # the outside loop's next tick finds the failure
        assert pacing == [True, False] and live.threaded
        before = live.frame_count
        deadline = time.monotonic() + 10
        while live.frame_count <= before + 5 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert live.frame_count > before + 5  # it steps on its own again
    finally:
        live.stop()


def test_it_runs_where_qt_is_not_installed():
    code = f"""
import importlib.abc, sys
class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in ("PySide6", "OpenGL", "xr", "mediapipe", "cv2"):
            raise ModuleNotFoundError(name)
sys.meta_path.insert(0, Refuse())
import numpy as np
from app.session.live import LiveSession
from devices.desktop import DesktopDevice
from interaction.params import InteractionParams
from scenes.scenario import load_scenario
scenario = load_scenario({str(AS1)!r})
live = LiveSession(scenario.scene, scenario, InteractionParams(), DesktopDevice(head=np.eye(4)))
for k in range(10):
    live.tick(k / 90)
print("frames", live.frame_count)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "frames 10", out.stderr[-2000:]
