"""What a window works on, without Qt: the task (scene and scenario document with its undo
history), the active variant and the parameters it runs with, the chosen input device and
the trial being recorded — each with change events.

napari keeps its ``ViewerModel`` apart from the Qt window that shows it; this is xrjig's
counterpart. The window's controllers change the workspace and subscribe to its events
instead of reaching into each other, the policies below (which variant a new task runs,
where a parameter edit is kept) run in tests and headless tools without a display, and a
second participant's copy in a shared session will mirror exactly this state.

Events are plain callbacks (scenes.undo.Listeners), called on the thread that made the
change (the GUI thread in the window).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from interaction.params import InteractionParams, scenario_params
from scenes.loader import UNITS
from scenes.model import Scene, SceneError
from scenes.part_layout import solid_parts
from scenes.scenario import TOLERANCE_PARAMS, Scenario, load_scenario
from scenes.scenario_document import QT_TRANSLATE_NOOP, ScenarioDocument
from scenes.undo import Listeners

#: the variant that holds parameter edits made in a scenario that had none
CUSTOM_VARIANT = "custom"
#: the device a window starts with: simulated hands on mouse and keyboard
DESKTOP = "desktop"


@dataclass(frozen=True)
class TrialInfo:
    """A trial being recorded: who, with which variant and device, into which file."""

    participant: str
    variant: str | None
    device: str
    path: Path


@dataclass(frozen=True)
class RequestedScenario:
    """A scenario file asked for (command line, File ▸ Open) and the model it is about:
    it is used whenever that model is loaded."""

    path: Path
    model: Path
    units: str | None


class Workspace:
    """One person's working state; see the module docstring.

    Events (``connect`` a callback): ``task_changed()`` a new task is open;
    ``document_changed(kind)`` an edit, undo or redo of the scenario ("points", "steps",
    "tolerances", "variants" or "anchor"), after the parameters followed it; ``params_changed(params)``;
    ``variant_changed(name)``; ``device_changed(spec)``; ``trial_changed(info or None)``.
    """

    def __init__(self, variant: str | None = None) -> None:
        self.scene: Scene | None = None
        self.document: ScenarioDocument | None = None
        #: the active variant: parameter edits go there (None: the scenario has none)
        self.variant = variant
        self.params = InteractionParams()
        #: the chosen input device, as a device spec (app/window/device_choice.py)
        self.device = DESKTOP
        self.trial: TrialInfo | None = None
        self.requested: RequestedScenario | None = None
        #: the variant asked for by name (``--variant``): unknown, it is reported once
        self._asked_variant = variant
        self.task_changed = Listeners()
        self.document_changed = Listeners()
        self.params_changed = Listeners()
        self.variant_changed = Listeners()
        self.device_changed = Listeners()
        self.trial_changed = Listeners()

    @property
    def scenario(self) -> Scenario | None:
        return self.document.scenario if self.document is not None else None

    @property
    def unsaved(self) -> bool:
        """The scenario has edits not saved to its file."""
        return self.document is not None and not self.document.stack.is_clean()

    # -- the task ----------------------------------------------------------------------------
    def request_scenario(self, path: Path) -> None:
        """Use the scenario file at ``path`` whenever its model is loaded (SceneError: the
        file cannot be used; the previous request stays)."""
        scenario = load_scenario(path)
        self.requested = RequestedScenario(Path(path), scenario.model.resolve(), scenario.units)

    def scenario_for(self, scene: Scene, notes: list[str]) -> Scenario:
        """The requested scenario if it is about this model, else one proposed from the model
        (why the requested one could not be used goes into ``notes``). Runs on whatever
        thread prepares the scene: it reads the request, nothing else."""
        requested = self.requested
        if requested is not None and requested.model == scene.source.resolve():
            wanted = UNITS[requested.units] if requested.units else scene.unit_scale
            try:
                if wanted == scene.unit_scale:
                    return load_scenario(requested.path, scene=scene)
                return load_scenario(requested.path)  # loads the model in its unit
            except SceneError as err:
                notes.append(str(err))
        if not solid_parts(scene):  # a point cloud or a line drawing: shown, not assembled
            return Scenario(model=scene.source.resolve(), parts=[], scene=scene)
        return load_scenario(scene.source, scene=scene)

    def open_task(self, scene: Scene, scenario: Scenario) -> list[str]:
        """Make ``scenario`` on ``scene`` the task, with a fresh undo history. The variant
        chosen before carries over when the scenario has it, else the scenario's default
        runs. Returns what to tell the person (a ``--variant`` the scenario lacks)."""
        notes = []
        if self.variant is not None and self.variant not in scenario.variants:
            if self.variant == self._asked_variant:
                known = ", ".join(scenario.variants) or "none"
                notes.append(
                    f"{scenario.path or scenario.model}: unknown variant {self.variant!r} "
                    f"(scenario variants: {known})"
                )
                self._asked_variant = None
            self.variant = None  # another scenario's variant does not carry over
        self.variant = self.variant or scenario.default_variant
        self.scene = scene
        self.document = ScenarioDocument(scenario)
        self.document.changed.connect(self._document_edited)
        self.params = scenario_params(scenario, self.variant)
        self.task_changed.emit()
        return notes

    # -- variant and parameters ------------------------------------------------------------------
    def choose_variant(self, name: str) -> bool:
        """Run the scenario's variant ``name``; False if the scenario has none of that name."""
        scenario = self.scenario
        if scenario is None or name not in scenario.variants:
            return False
        self._set_variant(name)
        self._set_params(scenario_params(scenario, name))
        return True

    def edit_params(self, params: InteractionParams) -> str | None:
        """Keep a parameter edit, undoably, where the running parameters come from: the
        active variant's overrides; with no variant, the scenario's own tolerances. A
        parameter only a variant can hold, in a scenario without one, goes into a new
        variant named ``custom``; the returned sentence says so (None otherwise)."""
        document = self.document
        if document is None:
            return None
        scenario = document.scenario
        if self.variant in scenario.variants:
            base = _without_variant(scenario).to_dict()
            overrides = {k: v for k, v in params.to_dict().items() if base[k] != v}
            document.set_variant(self.variant, overrides)
            return None
        current = self.params.to_dict()
        changed = {k: v for k, v in params.to_dict().items() if current[k] != v}
        if not changed:
            return None
        tolerance_of = {field: name for name, field in TOLERANCE_PARAMS.items()}
        others = {k: v for k, v in changed.items() if k not in tolerance_of}
        document.stack.begin_macro(QT_TRANSLATE_NOOP("Undo", "Edit parameters"))
        try:
            for field, value in changed.items():
                if field in tolerance_of:
                    document.set_tolerance(tolerance_of[field], float(value))
            if others:
                self._set_variant(CUSTOM_VARIANT)  # before the edit: its parameters follow it
                document.set_variant(
                    CUSTOM_VARIANT, others, make_default=scenario.default_variant is None
                )
        finally:
            document.stack.end_macro()
        if not others:
            return None
        return (
            f"the scenario had no variants: your parameters are kept in a new variant "
            f"'{CUSTOM_VARIANT}' (saved with the scenario)"
        )

    def _document_edited(self, kind: str) -> None:
        scenario = self.scenario
        assert scenario is not None
        if kind in ("tolerances", "variants"):
            if self.variant not in scenario.variants:  # undone past the variant's creation
                self._set_variant(scenario.default_variant)
            self._set_params(scenario_params(scenario, self.variant))
        self.document_changed.emit(kind)

    def _set_variant(self, name: str | None) -> None:
        if name != self.variant:
            self.variant = name
            self.variant_changed.emit(name)

    def _set_params(self, params: InteractionParams) -> None:
        if params != self.params:
            self.params = params
            self.params_changed.emit(params)

    # -- device and trial -------------------------------------------------------------------------
    def set_device(self, spec: str) -> None:
        """The input device now running (chosen, or the desktop after a device failed)."""
        if spec != self.device:
            self.device = spec
            self.device_changed.emit(spec)

    def start_trial(self, info: TrialInfo) -> None:
        self.trial = info
        self.trial_changed.emit(info)

    def end_trial(self) -> None:
        if self.trial is not None:
            self.trial = None
            self.trial_changed.emit(None)


def _without_variant(scenario: Scenario) -> InteractionParams:
    """Defaults with the scenario's tolerances only: what a variant's overrides are kept
    against."""
    return InteractionParams().replace(
        **{TOLERANCE_PARAMS[k]: v for k, v in scenario.tolerances.items()}
    )
