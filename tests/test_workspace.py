"""The window's state without Qt (app/model/workspace.py): which variant a task runs, where
a parameter edit is kept, what undo does to both, and the events views subscribe to.

No QApplication here: these run as an analyst's server or a second participant's copy
would run them. The window's side (the docks following these events) is in
test_gui_interaction.py.
"""

from __future__ import annotations

import copy
import sys

import pytest

from app.model.workspace import CUSTOM_VARIANT, DESKTOP, TrialInfo, Workspace
from interaction.params import InteractionParams, scenario_params
from scenes.loader import load_scene
from scenes.model import SceneError
from scenes.samples import SAMPLE_SCENARIO, SAMPLE_SCENE
from scenes.scenario import load_scenario
from tests.conftest import AS1


class Heard:
    """Every event of a workspace, in order, as (name, args)."""

    NAMES = ("task_changed", "document_changed", "params_changed", "variant_changed",
             "device_changed", "trial_changed")

    def __init__(self, workspace: Workspace) -> None:
        self.log: list[tuple[str, tuple]] = []
        for name in self.NAMES:
            getattr(workspace, name).connect(lambda *args, name=name: self.log.append((name, args)))

    def names(self) -> list[str]:
        names, self.log = [n for n, _ in self.log], []
        return names


@pytest.fixture
def sample(as1):
    return as1, load_scenario(SAMPLE_SCENARIO, scene=as1)


@pytest.fixture
def bare(as1):
    """AS1 with the scenario proposed from the model: no tolerances, no variants."""
    return as1, load_scenario(AS1, scene=as1)


def test_a_task_runs_its_default_variant_and_a_chosen_one_carries_over(sample):
    scene, scenario = sample
    ws = Workspace()
    heard = Heard(ws)
    assert ws.open_task(scene, scenario) == []
    assert ws.variant == "novice" and ws.params == scenario_params(scenario, "novice")
    assert heard.names() == ["task_changed"]
    assert ws.choose_variant("expert")
    assert ws.params.snap_position_mm == 2.0
    assert heard.log == [("variant_changed", ("expert",)), ("params_changed", (ws.params,))]
    heard.names()
    assert not ws.choose_variant("nobody") and ws.variant == "expert" and heard.log == []
    # the same scenario opened again (a reload, another unit): the chosen variant stays
    ws.open_task(scene, load_scenario(SAMPLE_SCENARIO, scene=scene))
    assert ws.variant == "expert" and ws.params.snap_position_mm == 2.0


def test_an_asked_variant_the_scenario_lacks_is_said_once_and_not_carried(sample, bare):
    ws = Workspace(variant="tight")
    (notes,) = [ws.open_task(*sample)]
    assert len(notes) == 1 and "unknown variant 'tight'" in notes[0] and "novice, expert" in notes[0]
    assert ws.variant == "novice"  # the scenario's default runs instead
    ws.choose_variant("expert")
    assert ws.open_task(*bare) == [] and ws.variant is None  # another scenario's variant goes
    assert ws.params == InteractionParams()


def test_an_edit_in_a_variant_keeps_only_what_differs_from_the_scenario(sample):
    ws = Workspace()
    ws.open_task(*sample)
    heard = Heard(ws)
    edited = ws.params.replace(dwell_time_s=1.25)
    assert ws.edit_params(edited) is None
    variant = ws.scenario.variants["novice"]
    assert variant["dwell_time_s"] == 1.25 and variant["snap_position_mm"] == 10.0
    assert ws.params == edited and ws.unsaved
    assert heard.names() == ["params_changed", "document_changed"]  # params first: views read them
    ws.document.stack.undo()
    assert "dwell_time_s" not in ws.scenario.variants["novice"] and not ws.unsaved
    assert ws.params == scenario_params(ws.scenario, "novice")


def test_without_variants_tolerances_go_to_the_scenario_and_the_rest_to_a_custom_variant(bare):
    ws = Workspace()
    ws.open_task(*bare)
    assert ws.variant is None
    said = ws.edit_params(ws.params.replace(magnet_radius_mm=45.0))
    assert said is None and ws.scenario.tolerances == {"magnet_mm": 45.0} and ws.scenario.variants == {}
    heard = Heard(ws)
    said = ws.edit_params(ws.params.replace(dwell_time_s=0.9, snap_position_mm=6.0))
    assert CUSTOM_VARIANT in said
    assert ws.scenario.tolerances == {"magnet_mm": 45.0, "position_mm": 6.0}
    assert ws.scenario.variants == {CUSTOM_VARIANT: {"dwell_time_s": 0.9}}
    assert ws.scenario.default_variant == CUSTOM_VARIANT and ws.variant == CUSTOM_VARIANT
    assert ("variant_changed", (CUSTOM_VARIANT,)) in heard.log
    assert (ws.params.dwell_time_s, ws.params.snap_position_mm) == (0.9, 6.0)
    # the two changes were one edit: one undo takes both back, and the variant with them
    stack = ws.document.stack
    assert stack.undo_text == "Edit parameters"
    stack.undo()
    assert ws.scenario.variants == {} and ws.variant is None
    assert ws.scenario.tolerances == {"magnet_mm": 45.0}
    assert (ws.params.dwell_time_s, ws.params.snap_position_mm) == (
        InteractionParams().dwell_time_s, InteractionParams().snap_position_mm)
    # redone, the custom variant is active again: a further edit adds to it, not replaces it
    stack.redo()
    assert ws.variant == CUSTOM_VARIANT
    ws.edit_params(ws.params.replace(near_radius_mm=45.0))
    assert set(ws.scenario.variants[CUSTOM_VARIANT]) == {"dwell_time_s", "near_radius_mm"}


def test_an_edit_that_changes_nothing_is_not_an_undo_step(bare):
    ws = Workspace()
    ws.open_task(*bare)
    ws.edit_params(ws.params)
    assert not ws.document.stack.can_undo and not ws.unsaved


def test_a_requested_scenario_is_used_for_its_model_only(tmp_path):
    scene = load_scene(SAMPLE_SCENE)
    ws = Workspace()
    with pytest.raises(SceneError):
        ws.request_scenario(tmp_path / "missing.yaml")
    assert ws.requested is None
    ws.request_scenario(SAMPLE_SCENARIO)
    assert ws.requested.model == SAMPLE_SCENE.resolve()
    notes: list[str] = []
    assert ws.scenario_for(scene, notes).path == SAMPLE_SCENARIO and notes == []
    other = copy.copy(scene)
    other.source = tmp_path / "other.glb"  # the same geometry under another file's name
    proposed = ws.scenario_for(other, notes)
    assert proposed.path != SAMPLE_SCENARIO and proposed.variants == {} and notes == []


def test_device_and_trial_changes_are_told_once(tmp_path):
    ws = Workspace()
    heard = Heard(ws)
    assert ws.device == DESKTOP
    ws.set_device(DESKTOP)
    ws.set_device("camera:0")
    ws.set_device("camera:0")
    info = TrialInfo("P07", "novice", "camera:0", tmp_path / "P07.mcap")
    ws.start_trial(info)
    ws.end_trial()
    ws.end_trial()
    assert heard.log == [("device_changed", ("camera:0",)), ("trial_changed", (info,)), ("trial_changed", (None,))]


def test_the_workspace_imports_no_gui_stack():
    """app.model must stay importable where Qt is not installed (import-linter's contract
    says so statically; this checks what actually loads)."""
    import subprocess

    code = (
        "import sys, app.model.workspace;"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'PySide6','OpenGL','xr','mediapipe','cv2'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "[]"
