"""STEP files in the window: File ▸ Open converts on a thread with a progress dialog whose
Cancel stops the worker and keeps the open model; View ▸ STEP quality re-tessellates the
open file and is remembered for it; what the import left out is said in the status bar.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QProgressDialog, QPushButton

from tests.conftest import AS1, AS1_STEP, CTC02_STEP, PM4_STEP, interaction_window

pytestmark = pytest.mark.gl


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("XRJIG_STEP_CACHE", str(tmp_path / "cache"))  # nothing converted yet
    return interaction_window(qtbot, tmp_path)


def test_a_step_assembly_opens_with_its_cad_names_and_a_quality_to_choose(qtbot, window):
    window, controller = window
    assert not window._quality_menu.isEnabled()
    assert window.open_file(AS1_STEP, remember=False)
    scene = window.scene
    assert scene.source == AS1_STEP and len(scene.parts) == 18
    assert window._quality_menu.isEnabled() and window.quality_actions["interactive"].isChecked()
    assert window.unit_actions["mm"].isChecked()  # the file declares millimetres
    qtbot.waitUntil(lambda: controller.session is not None, timeout=30_000)
    coarse = scene.triangle_count
    window.quality_actions["fine"].trigger()  # converts again, finer, and remembers it
    assert window.scene is not scene and window.scene.triangle_count > 1.5 * coarse
    assert window.step_quality(AS1_STEP) == "fine" and window.quality_actions["fine"].isChecked()
    assert window.open_file(AS1, remember=False) and not window._quality_menu.isEnabled()


def test_cancel_stops_the_conversion_and_the_open_model_stays(qtbot, window):
    window, _ = window
    assert window.open_file(AS1, remember=False)
    seen = []

    def cancel() -> None:
        dialog = window.findChild(QProgressDialog)
        if dialog is None or not dialog.isVisible():
            QTimer.singleShot(50, cancel)  # shown once the conversion takes a moment
            return
        seen.append(dialog.labelText())
        dialog.findChild(QPushButton).click()  # as a person does

    QTimer.singleShot(50, cancel)
    assert not window.open_file(PM4_STEP, remember=False)
    assert seen and seen[0].startswith("Converting trj6_pm4-ec-203.stp")
    assert window.scene.source == AS1 and "conversion cancelled" in window.statusBar().currentMessage()
    assert window.error_box is None  # cancelling is not an error


def test_what_the_import_leaves_out_is_said(qtbot, window):
    window, _ = window
    assert window.open_file(CTC02_STEP, remember=False)
    assert window.scene.notes and window.statusBar().currentMessage().startswith(window.scene.notes[0][:20])


def test_a_trial_on_a_step_model_replays_at_the_quality_it_was_recorded_at(qtbot, window, tmp_path):
    """The recording keeps the STEP quality: a replay sees the triangles the trial saw."""
    from interaction.recording_reader import Recording
    from interaction.recording_rerun import load_setup, verify

    window, controller = window
    assert window.open_file(AS1_STEP, remember=False)
    window.quality_actions["fine"].trigger()
    qtbot.waitUntil(lambda: controller.session is not None and controller.session.scene is window.scene, timeout=30_000)
    fine = window.scene.triangle_count
    assert controller.trials.start("P01", None, tmp_path)
    session = controller.session
    for k in range(30):
        session.tick(k / 90)
    controller.trials.stop(ask_questionnaires=False)
    (path,) = tmp_path.glob("*.mcap")
    with Recording(path) as rec:
        assert rec.session["model_quality"] == "fine"
        setup = load_setup(rec)
        assert setup.scene.triangle_count == fine
        _, divergence = verify(rec, setup)
        assert divergence is None, divergence
