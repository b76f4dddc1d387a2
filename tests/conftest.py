"""Shared fixtures: where the real test data lives.

Files under permissive licences are copied into tests/data/ (see its SOURCES.md).
Files under the Pixabay Content License stay in ../shared/testdata/; tests using them
skip with a reason when that folder is absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "testdata"

AS1 = DATA / "cad" / "glb" / "bug21802_as1-oc-214.glb"
PM4 = DATA / "cad" / "glb" / "trj6_pm4-ec-203.glb"
CTC02 = DATA / "cad" / "glb" / "nist_ctc_02_asme1_ap242-1.glb"
PINS = DATA / "models" / "pins-dowel-assembly" / "pins.glb"
BOOLEAN = DATA / "models" / "boolean-cut-parts" / "boolean.glb"
NESTED = DATA / "models" / "nested-blocks" / "nested.glb"
BOX_GLB = DATA / "models" / "BoxTextured" / "BoxTextured.glb"
BOX_GLTF = DATA / "models" / "BoxTextured" / "glTF" / "BoxTextured.gltf"
VALIDATOR_CASES = DATA / "models" / "glTF-Validator-edge-cases"
HANDS = DATA / "hands"
FACES = DATA / "faces"


@pytest.fixture(autouse=True)
def _questions_do_not_block(monkeypatch):
    """A modal question (unsaved edits: Save, Discard or Cancel?) would wait for a person
    forever when qtbot closes a window; tests answer Discard unless they answer it
    themselves (tests/test_gui_files.py)."""
    try:
        from PySide6.QtWidgets import QMessageBox
    except ImportError:  # the pure tests run without Qt
        return
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)


def shared_file(relative: str) -> Path:
    """A file that may only be read from ../shared/testdata (Pixabay licence)."""
    path = SHARED / relative
    if not path.exists():
        pytest.skip(f"{relative} is only in ../shared/testdata (Pixabay licence), absent here")
    return path


def ticked_window(qtbot, tmp_path: Path, hide: tuple[str, ...] = ()):
    """A shown main window with interaction on AS1 whose session the test ticks itself
    (autostart off), its settings in ``tmp_path``; docks titled in ``hide`` are hidden.
    Returns (window, controller)."""
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QDockWidget

    from app.wiring import attach_interaction
    from views.main_window import MainWindow

    window = MainWindow(settings=QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    controller = attach_interaction(window)
    controller.autostart = False
    for dock in window.findChildren(QDockWidget):
        if dock.windowTitle() in hide:
            dock.hide()
    window.resize(780, 560)  # pytest-xvfb's screen is 800x600
    window.show()
    qtbot.waitExposed(window)
    assert window.open_file(AS1, remember=False)
    return window, controller
