"""The scenario panel against a real AS1 scenario and real engine state."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from interaction.commands import MarkPoint, Reset, Verdict
from interaction.engine import Engine
from interaction.frame import InputFrame
from interaction.params import InteractionParams
from scenes.index import SceneIndex
from scenes.scenario import InspectionPoint, load_scenario
from tests.conftest import AS1
from views.scenario_dock import ScenarioPanel


def _setup(qtbot, scene):
    scenario = load_scenario(AS1, scene=scene)
    node = scene.nodes[scene.parts[0].node].path
    scenario.inspection_points = [
        InspectionPoint("P1", node, np.zeros(3), np.array([0.0, 1.0, 0.0]), "check the thread"),
        InspectionPoint("P2", node, np.zeros(3), np.array([0.0, 1.0, 0.0])),
    ]
    panel = ScenarioPanel()
    qtbot.addWidget(panel)
    panel.set_scenario(scenario)
    engine = Engine(scene, scenario, InteractionParams(), SceneIndex(scene))
    return scenario, panel, engine


def test_shows_engine_step_and_point_states(qtbot, as1):
    scenario, panel, engine = _setup(qtbot, as1)
    assert set(panel.step_states().values()) == {"waiting"}  # before the first engine state
    panel.update_state(engine.state)
    expected = {
        (s.label or s.id): ("available" if engine.state.steps[s.id].available else "waiting")
        for s in scenario.steps
    }
    assert panel.step_states() == expected
    assert panel.point_states() == {"P1": "not seen", "P2": "not seen"}
    engine.state.points["P1"].seen = True
    engine.state.points["P2"].verdict = "fail"
    first = scenario.steps[0]
    engine.state.steps[first.id].done = True
    panel.update_state(engine.state)
    assert panel.point_states() == {"P1": "seen", "P2": "fail"}
    assert panel.step_states()[first.label or first.id] == "done"
    assert panel.progress_label.text() == f"Steps 1/{len(scenario.steps)} · points 1/2"
    assert panel.points_tree.topLevelItem(0).text(1) == "check the thread"


def test_verdict_buttons_emit_mark_commands_for_the_selected_point(qtbot, as1):
    _, panel, _ = _setup(qtbot, as1)
    sent = []
    panel.command_requested.connect(sent.append)
    qtbot.mouseClick(panel.verdict_buttons[Verdict.PASS], Qt.MouseButton.LeftButton)
    assert sent == []  # nothing selected
    panel.points_tree.setCurrentItem(panel.points_tree.topLevelItem(1))
    panel.note_edit.setText("  loose  ")
    qtbot.mouseClick(panel.verdict_buttons[Verdict.FAIL], Qt.MouseButton.LeftButton)
    assert sent == [MarkPoint("P2", Verdict.FAIL, "loose")]
    # the note stays until the engine accepts the mark: a rejected mark keeps it
    panel.mark_result("P2", accepted=False)
    assert panel.note_edit.text() == "  loose  "
    panel.mark_result("P2", accepted=True, note="loose")
    assert panel.note_edit.text() == ""
    qtbot.mouseClick(panel.reset_button, Qt.MouseButton.LeftButton)
    assert sent[-1] == Reset()


def test_authoring_requests(qtbot, as1):
    scenario, panel, _ = _setup(qtbot, as1)
    moves, placing, removed = [], [], []
    panel.move_step_requested.connect(lambda a, b: moves.append((a, b)))
    panel.placing_toggled.connect(placing.append)
    panel.remove_point_requested.connect(removed.append)
    qtbot.mouseClick(panel.step_up_button, Qt.MouseButton.LeftButton)
    panel.steps_tree.setCurrentItem(panel.steps_tree.topLevelItem(0))
    qtbot.mouseClick(panel.step_up_button, Qt.MouseButton.LeftButton)  # already first
    qtbot.mouseClick(panel.step_down_button, Qt.MouseButton.LeftButton)
    assert moves == [(0, 1)]
    # tolerances have one editor, the Parameters dock: none here
    assert not hasattr(panel, "tolerance_spins")
    qtbot.mouseClick(panel.place_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.place_button, Qt.MouseButton.LeftButton)
    assert placing == [True, False]
    panel.points_tree.setCurrentItem(panel.points_tree.topLevelItem(0))
    qtbot.mouseClick(panel.remove_point_button, Qt.MouseButton.LeftButton)
    assert removed == ["P1"]


def test_measure_button_and_readout(qtbot, as1):
    from interaction.commands import MeasureClear, MeasureStart
    from interaction.state import MeasurementState

    _, panel, engine = _setup(qtbot, as1)
    sent = []
    panel.command_requested.connect(sent.append)
    qtbot.mouseClick(panel.measure_button, Qt.MouseButton.LeftButton)
    assert sent == [MeasureStart()]
    engine.step(InputFrame(t=0.0), sent)
    panel.update_state(engine.state)
    assert panel.measure_label.text() == "pick point 1 of 2"
    engine.state.measurement = MeasurementState(
        active=True, points=[np.zeros(3)] * 2, distance_mm=12.345, clearance_mm=0.5
    )
    panel.update_state(engine.state)
    assert panel.measure_label.text() == "12.3 mm · clearance 0.5 mm"
    engine.state.measurement = MeasurementState()  # a reset ends measuring
    panel.update_state(engine.state)
    assert not panel.measure_button.isChecked() and panel.measure_label.text() == ""
    assert sent == [MeasureStart()]  # showing state does not send commands
    qtbot.mouseClick(panel.measure_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.measure_button, Qt.MouseButton.LeftButton)
    assert sent[-2:] == [MeasureStart(), MeasureClear()]
