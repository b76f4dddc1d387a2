"""Shared fixtures: where the real test data lives.

Files under permissive licences are copied into tests/data/ (see its SOURCES.md).
Files under the Pixabay Content License stay in ../shared/testdata/; tests using them
skip with a reason when that folder is absent.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import NoReturn

import pytest

DATA = Path(__file__).parent / "data"
SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "testdata"

#: the suite runs in English whatever the machine's locale or the user's View ▸ Language
#: (app.display.language reads this first); tests/test_translations.py switches to zh_CN
#: itself. Set at import, so the commands tests start as subprocesses inherit it too.
os.environ["XRJIG_LANGUAGE"] = "en"

AS1 = DATA / "cad" / "glb" / "bug21802_as1-oc-214.glb"
PM4 = DATA / "cad" / "glb" / "trj6_pm4-ec-203.glb"
CTC02 = DATA / "cad" / "glb" / "nist_ctc_02_asme1_ap242-1.glb"
#: the STEP files those three GLBs were converted from
AS1_STEP = DATA / "cad" / "step" / "bug21802_as1-oc-214.stp"
PM4_STEP = DATA / "cad" / "step" / "trj6_pm4-ec-203.stp"
CTC02_STEP = DATA / "cad" / "step" / "nist_ctc_02_asme1_ap242-1.stp"
PINS = DATA / "models" / "pins-dowel-assembly" / "pins.glb"
BOOLEAN = DATA / "models" / "boolean-cut-parts" / "boolean.glb"
NESTED = DATA / "models" / "nested-blocks" / "nested.glb"
BOX_GLB = DATA / "models" / "BoxTextured" / "BoxTextured.glb"
BOX_GLTF = DATA / "models" / "BoxTextured" / "glTF" / "BoxTextured.gltf"
VALIDATOR_CASES = DATA / "models" / "glTF-Validator-edge-cases"
HANDS = DATA / "hands"
FACES = DATA / "faces"


@pytest.fixture(autouse=True, scope="session")
def _step_cache(tmp_path_factory):
    """STEP conversions of the whole run go to one fresh cache folder, never the user's:
    converted once, then cache hits for every later test (and subprocess) that opens them."""
    folder = tmp_path_factory.mktemp("step-cache")
    before = os.environ.get("XRJIG_STEP_CACHE")
    os.environ["XRJIG_STEP_CACHE"] = str(folder)
    yield folder
    if before is None:
        os.environ.pop("XRJIG_STEP_CACHE", None)
    else:
        os.environ["XRJIG_STEP_CACHE"] = before


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


@pytest.fixture(scope="module")
def as1():
    """The AS1 assembly (18 parts) as loaded from its GLB: one per test module, since
    tests may change what they are given."""
    from scenes.loader import load_scene

    return load_scene(AS1)


@pytest.fixture(scope="module")
def as1_index(as1):
    """The picking index of the module's ``as1``."""
    from scenes.index import SceneIndex

    return SceneIndex(as1)


def record_as1(path: Path, participant: str = "autopilot") -> Path:
    """The autopilot doing the bundled AS1 sample scenario (assembly and three inspection
    points, variant "novice"), recorded as a trial (~43 s at 30 Hz)."""
    from interaction.params import scenario_params
    from interaction.recording_autopilot import record_autopilot
    from scenes.samples import SAMPLE_SCENARIO
    from scenes.scenario import load_scenario

    scenario = load_scenario(SAMPLE_SCENARIO)
    assert scenario.scene is not None
    run = record_autopilot(scenario.scene, scenario, scenario_params(scenario, "novice"), path,
                           scenario_path=SAMPLE_SCENARIO, variant="novice", participant=participant)
    assert run.completed and run.error is None
    return path


@pytest.fixture(scope="session")
def as1_recording(tmp_path_factory):
    """``record_as1`` once per test run, shared: read it, or copy it to change it. A test
    that wrote to it makes this fixture's teardown fail."""
    path = record_as1(tmp_path_factory.mktemp("as1") / "as1.mcap")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    yield path
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest, f"a test changed {path}"


def shared_file(relative: str) -> Path:
    """A file that may only be read from ../shared/testdata (Pixabay licence)."""
    path = SHARED / relative
    if not path.exists():
        pytest.skip(f"{relative} is only in ../shared/testdata (Pixabay licence), absent here")
    return path


def no_display(reason: str) -> NoReturn:
    """A test that needs a display finds none: skipped with ``reason`` on a developer's
    machine, failed in CI (``CI`` set), where pytest-xvfb always starts an X server, so a
    missing display there is a broken setup, not a reason to run fewer tests. Usable at
    module level (a failure there is a collection error)."""
    if os.environ.get("CI"):
        pytest.fail(f"CI is set, so pytest-xvfb should provide a display, but {reason}", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


def interaction_window(qtbot, tmp_path: Path, size: tuple[int, int] = (780, 560), hide: tuple[str, ...] = ()):
    """A shown main window with interaction attached and no file open yet, whose session
    the test ticks itself (autostart off), its settings in ``tmp_path``; docks titled in
    ``hide`` are hidden. Returns (window, controller)."""
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QDockWidget

    from app.window.controller import attach_interaction
    from views.main_window import MainWindow

    window = MainWindow(settings=QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    controller = attach_interaction(window)
    controller.autostart = False
    for dock in window.findChildren(QDockWidget):
        if dock.windowTitle() in hide:
            dock.hide()
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    return window, controller


def ticked_window(qtbot, tmp_path: Path, hide: tuple[str, ...] = ()):
    """``interaction_window`` on AS1. Returns (window, controller)."""
    window, controller = interaction_window(qtbot, tmp_path, hide=hide)
    assert window.open_file(AS1, remember=False)
    return window, controller


@pytest.fixture(scope="session")
def bench(tmp_path_factory):
    """The worker processes the fuzz modules (tests/test_fuzz_*.py) share: started once,
    warmed up on good inputs of every command (tests/fuzz_bench.py)."""
    from tests.fuzz_bench import start_bench

    bench = start_bench(tmp_path_factory)
    yield bench
    bench.pool.close()


@pytest.fixture(scope="session")
def fuzz_recording(bench):
    """A real recording for the fuzz modules, made as a user makes one: ``xrjig check
    --record`` (by a fuzz worker)."""
    from tests.fuzz_bench import nested_scenario
    from tests.fuzz_worker import Case

    scenario = nested_scenario(bench.root / "bases" / "recording")
    rec = scenario.parent / "trial.mcap"
    argv = ["check", str(scenario), "--variant", "A", "--record", str(rec)]
    (made,) = bench.pool.run([Case("record", "recording", argv, [str(scenario.parent)], ["trial.mcap"])])
    assert made.code == 0 and rec.is_file(), made.stderr
    return rec
