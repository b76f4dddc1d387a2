"""The File menu a designer uses: Open takes scenarios (and recordings) as well as models,
Save writes into the scenario's own file (its comments kept), Save As asks where, and
unsaved edits are asked about before another file replaces them or the window closes."""

from __future__ import annotations

import shutil

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from scenes.samples import SAMPLE_SCENARIO
from tests.conftest import AS1, PINS, interaction_window

pytestmark = pytest.mark.gl


@pytest.fixture
def designer(qtbot, tmp_path):
    folder = tmp_path / "task"
    folder.mkdir()
    shutil.copy(SAMPLE_SCENARIO, folder / "task.yaml")
    shutil.copy(SAMPLE_SCENARIO.parent / "bug21802_as1-oc-214.glb", folder)
    window, controller = interaction_window(qtbot, tmp_path, size=(1000, 700))
    window.activateWindow()
    qtbot.waitActive(window)  # menu shortcuts act in the active window
    assert window.open_file(AS1, remember=False)
    return window, controller, folder / "task.yaml"


def _answer(monkeypatch, button):
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: (asked.append(a[2]), button)[1])
    return asked


def test_file_open_takes_a_scenario_and_save_keeps_its_comments(qtbot, designer, monkeypatch):
    window, controller, scenario_file = designer
    monkeypatch.setattr("views.main_window.QFileDialog.getOpenFileName", lambda *a, **k: (str(scenario_file), ""))
    open_action = next(a for a in window.file_menu.actions() if a.text() == "&Open…")
    open_action.trigger()
    session = controller.session
    assert session.scenario.path == scenario_file and len(session.scenario.steps) == 18
    assert str(scenario_file.resolve()) in window.recent_files()
    # an edit, then File ▸ Save (Ctrl+S): into the same file, no dialog, comments kept
    monkeypatch.setattr("app.window.controller.QFileDialog.getSaveFileName", lambda *a, **k: pytest.fail("asked where"))
    controller.params_panel.editors["magnet_radius_mm"].setValue(44.0)  # the active variant's
    assert not controller.model.document.stack.is_clean()
    qtbot.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert controller.model.document.stack.is_clean()
    saved = scenario_file.read_text(encoding="utf-8")
    assert saved.startswith("# Sample scenario for the bundled AS1 assembly")
    assert "magnet_radius_mm: 44.0" in saved


def test_unsaved_edits_are_asked_about_before_another_file_or_quitting(qtbot, designer, monkeypatch):
    window, controller, scenario_file = designer
    controller.params_panel.editors["dwell_time_s"].setValue(0.9)
    before = controller.session
    asked = _answer(monkeypatch, QMessageBox.StandardButton.Cancel)
    assert not window.open_path(PINS)  # Cancel: the task and its edits stay
    assert asked and controller.session is before and not controller.model.document.stack.is_clean()
    window.close()
    assert window.isVisible()  # Cancel on quit too
    _answer(monkeypatch, QMessageBox.StandardButton.Discard)
    assert window.open_path(PINS) and controller.session is not before
    # Save: with no scenario file yet it asks where (Save As), then goes on
    controller.params_panel.editors["dwell_time_s"].setValue(1.1)
    target = scenario_file.parent / "pins.yaml"
    monkeypatch.setattr("app.window.controller.QFileDialog.getSaveFileName", lambda *a, **k: (str(target), ""))
    _answer(monkeypatch, QMessageBox.StandardButton.Save)
    window.close()
    assert not window.isVisible() and target.is_file()
