"""Headset mode without a headset: the choices that need no runtime (swapchain format,
blend mode, haptics per event) and, in the real window, what a facilitator sees when
there is no OpenXR runtime: one sentence, the desktop device, the recording going on.

The runtime is made absent on purpose (XR_RUNTIME_JSON pointing at nothing), so these
tests behave the same on a machine that has one installed. The runs against a real
runtime are in test_openxr_render.py.
"""

from __future__ import annotations

import numpy as np
import pytest
import xr
from OpenGL import GL
from PySide6.QtCore import QSettings

from app.headset.device import headset_device
from devices.openxr.frame_loop import choose_blend_mode
from devices.openxr.headset import HAPTIC_EVENTS
from devices.openxr.swapchains import choose_color_format
from interaction.events import Event, EventKind

RATE = 1 / 90
Blend = xr.EnvironmentBlendMode


@pytest.fixture
def no_runtime(monkeypatch, tmp_path):
    monkeypatch.setenv("XR_RUNTIME_JSON", str(tmp_path / "no-runtime.json"))


def test_color_format_prefers_srgb_then_rgba8_over_the_runtimes_own_order():
    offered = [GL.GL_RGBA16F, GL.GL_RGB10_A2, GL.GL_RGBA8, GL.GL_SRGB8_ALPHA8]
    assert choose_color_format(offered) == GL.GL_SRGB8_ALPHA8
    assert choose_color_format([GL.GL_RGBA16F, GL.GL_RGBA8]) == GL.GL_RGBA8
    with pytest.raises(RuntimeError, match="8-bit RGBA"):
        choose_color_format([GL.GL_RGBA16F])


@pytest.mark.parametrize(
    ("offered", "passthrough", "chosen"),
    [
        ([Blend.OPAQUE], False, Blend.OPAQUE),
        ([Blend.OPAQUE], True, Blend.OPAQUE),  # a VR headset runs an AR scenario as VR
        ([Blend.ADDITIVE, Blend.OPAQUE, Blend.ALPHA_BLEND], False, Blend.OPAQUE),
        ([Blend.OPAQUE, Blend.ADDITIVE, Blend.ALPHA_BLEND], True, Blend.ALPHA_BLEND),
        ([Blend.OPAQUE, Blend.ADDITIVE], True, Blend.ADDITIVE),  # optical see-through
        ([Blend.ADDITIVE], False, Blend.ADDITIVE),  # only what the device can do
    ],
)
def test_blend_mode_is_opaque_for_vr_and_see_through_for_ar_where_offered(
    offered, passthrough, chosen
):
    assert choose_blend_mode(offered, passthrough) == chosen


class _Pulses:
    """Stands in for the OpenXR device's haptics output: records the pulses asked for."""

    def __init__(self):
        self.sent = []

    def pulse(self, hand, strength, duration):
        self.sent.append((hand, strength, duration))


def test_snaps_and_mistakes_pulse_the_controller_of_the_hand_concerned(no_runtime):
    headset = headset_device()
    headset.xr = _Pulses()
    events = [
        Event(1, 0.0, EventKind.GRAB, hand="right", part="nut"),
        Event(2, 0.1, EventKind.SNAP, hand="right", part="nut"),
        Event(3, 0.2, EventKind.WRONG_PART, hand="left", part="rod"),
        Event(4, 0.3, EventKind.STEP_DONE),
    ]
    headset.pulse_for(events)
    assert headset.xr.sent == [(1, *HAPTIC_EVENTS["SNAP"]), (0, *HAPTIC_EVENTS["WRONG_PART"])]


@pytest.mark.gl
def test_headset_without_a_runtime_says_why_and_the_window_stays_on_the_desktop(
    qapp, qtbot, tmp_path, no_runtime
):
    from app.window.launch import open_window
    from devices.desktop import DesktopDevice

    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(tmp_path))
    window, controller = open_window(None, device="openxr")
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.error_box is not None and window.error_box.isVisible())
    text = window.error_box.text()
    assert "openxr" in text and "no OpenXR runtime is installed" in text
    assert text.count("\n") == 0
    assert isinstance(controller.session.device, DesktopDevice)
    assert not controller.headset.label.isVisible()
    controller.session.stop()


@pytest.mark.gl
def test_a_headset_that_fails_to_start_falls_back_and_the_recording_goes_on(
    qapp, qtbot, tmp_path, no_runtime
):
    """A headset forced on the session (as when the runtime's service died between the
    device menu and the switch): the next tick reports it in one line, continues on the
    desktop device, and every tick is recorded."""
    from app.session.session import Session
    from devices.desktop import DesktopDevice
    from interaction.params import scenario_params
    from interaction.recording_reader import Recording
    from interaction.recording_writer import Recorder
    from scenes.loader import load_scene
    from scenes.samples import SAMPLE_SCENE
    from scenes.scenario import load_scenario

    scene = load_scene(SAMPLE_SCENE)
    scenario = load_scenario(SAMPLE_SCENE, scene=scene)
    messages = []
    with Recorder(tmp_path / "take.mcap", {"scene": str(SAMPLE_SCENE)}) as recorder:
        session = Session(
            scene, scenario, scenario_params(scenario), DesktopDevice(), recorder=recorder
        )
        session.message.connect(messages.append)
        for i in range(5):
            session.tick(i * RATE)
        session.set_device(headset_device(scene))
        for i in range(5, 12):
            session.tick(i * RATE)
        assert isinstance(session.device, DesktopDevice)
    assert len(messages) == 1
    assert messages[0].startswith("openxr device failed (") and "desktop device" in messages[0]
    assert "no OpenXR runtime" in messages[0]
    assert Recording(tmp_path / "take.mcap").frame_count == 12


def test_an_inspection_walk_runs_as_ar_and_an_assembly_as_vr():
    from app.window.headset_mirror import is_ar_scenario
    from scenes.samples import SAMPLE_SCENARIO
    from scenes.scenario import load_scenario

    assembly = load_scenario(SAMPLE_SCENARIO)
    assert assembly.steps and assembly.inspection_points
    assert not is_ar_scenario(assembly)
    assembly.steps = []  # the same checklist with nothing to assemble
    assert is_ar_scenario(assembly)
    assembly.inspection_points = []
    assert not is_ar_scenario(assembly)


def test_a_bench_sized_task_is_raised_to_workbench_height_and_machinery_is_not():
    from app.window.controller import task_bounds
    from devices.openxr.headset import WORKBENCH_HEIGHT, workbench_lift
    from scenes.index import SceneIndex
    from scenes.samples import SAMPLE_SCENARIO
    from scenes.scenario import load_scenario

    scenario = load_scenario(SAMPLE_SCENARIO)
    bounds = task_bounds(scenario.scene, scenario, SceneIndex(scenario.scene))
    lift = workbench_lift(bounds)
    assert bounds[1][1] - bounds[0][1] < 0.3  # the AS1 assembly and its tray
    assert lift == pytest.approx(WORKBENCH_HEIGHT - bounds[0][1])  # its lowest point on the bench
    assert workbench_lift(np.array([[0.0, 0.0, 0.0], [3.0, 2.2, 1.0]])) == 0.0  # a machine
    assert workbench_lift(np.array([[0.0, 0.85, 0.0], [0.4, 1.0, 0.3]])) == 0.0  # already up
    assert workbench_lift(None) == 0.0


@pytest.mark.gl
def test_the_facilitator_sets_the_workbench_height_and_it_is_kept(qtbot, tmp_path):
    """Device ▸ Workbench height in VR: a seated participant's bench is lower; the lift the
    headset gets follows, and the next window starts with it."""
    from PySide6.QtCore import QSettings

    from app.window.controller import attach_interaction, task_bounds
    from tests.conftest import ticked_window
    from views.main_window import MainWindow

    window, controller = ticked_window(qtbot, tmp_path)
    mirror = controller.headset
    controller.devices._fill_menu()
    assert mirror.bench_action in controller.devices.menu.actions()
    session = controller.session
    low = task_bounds(session.scene, session.scenario, session.engine.index)[0][1]
    assert mirror.scene_lift() == pytest.approx(0.9 - low)
    mirror.set_workbench_height(0.75)
    assert mirror.scene_lift() == pytest.approx(0.75 - low)
    window.settings.sync()
    again = MainWindow(settings=QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(again)
    assert attach_interaction(again).headset.workbench_height == 0.75
