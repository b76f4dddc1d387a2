"""Robot users do the bundled sample task at the real window, by Qt mouse and key events
computed from what is on screen (tests/robot_user.py), with the default settings and the
scenario's *novice* variant: the people-first acceptance of the desktop interaction."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QDockWidget

from app.wiring import attach_interaction
from scenes.samples import SAMPLE_SCENARIO
from tests.robot_user import RobotUser
from views.main_window import MainWindow

pytestmark = [pytest.mark.gl, pytest.mark.slow]


@pytest.fixture
def sample_window(qtbot, tmp_path):
    """The window on the bundled sample scenario, as a first start shows it (its default
    variant, novice), on pytest-xvfb's 800x600 screen; the test ticks the session."""
    window = MainWindow(settings=QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    controller = attach_interaction(window, SAMPLE_SCENARIO)
    controller.autostart = False
    for dock in window.findChildren(QDockWidget):
        if dock.windowTitle() in ("Outliner", "Properties", "Event log"):
            dock.hide()
    window.resize(790, 590)
    window.show()
    qtbot.waitExposed(window)
    assert window.open_file(controller.scenario_model, remember=False)
    controller.help.hide()
    window.viewport.setFocus()
    assert controller.variant in (None, "novice") and controller.session.params.snap_position_mm == 10.0
    return window, controller


def _part_named(session, label: str) -> str:
    """The part a step's label names ("Place l-bracket #2" -> that bracket), as a person
    matches the dock's wording to the outliner's names."""
    named = {p.display_name: p.id for p in session.scene.parts}
    return next(pid for name, pid in sorted(named.items(), key=lambda kv: -len(kv[0])) if label.endswith(name))


def test_a_robot_user_assembles_three_steps_and_inspects_every_point(qtbot, sample_window):
    window, controller = sample_window
    robot = RobotUser(qtbot, window, controller)
    robot.wait()
    panel = controller.scenario_panel
    for _ in range(3):
        label = next(step for step, state in panel.step_states().items() if state == "available")
        part = _part_named(controller.session, label)
        releases = robot.place(part)
        assert releases <= 2, f"{label}: {releases} releases"
        assert panel.step_states()[label] == "done"
    assert list(panel.step_states().values()).count("done") == 3
