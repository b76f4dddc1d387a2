"""The scenario panel (shown in a dock): assembly steps with their state, the inspection checklist.

It shows the engine's task state and turns the user's clicks into requests: inspection
verdicts become ``interaction.commands.MarkPoint`` (sent through the session, so they are
recorded with the frame they happened on); step reordering and point placement are
authoring requests the app turns into undoable edits. The dock never changes
the scenario or the engine itself.

The engine updates its state 90 times a second; the dock only repaints rows whose shown
state changed.
"""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Signal
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from interaction.commands import MarkPoint, MeasureClear, MeasureStart, Reset, Verdict
from interaction.state import EngineState, MeasurementState
from scenes.scenario import Scenario

STEP_DONE, STEP_AVAILABLE, STEP_LOCKED = "done", "available", "waiting"
translate = QCoreApplication.translate
#: shown states of steps and points (verdicts: interaction.commands.Verdict's values)
STATE_WORDS = (
    QT_TRANSLATE_NOOP("Scenario", "done"), QT_TRANSLATE_NOOP("Scenario", "available"),
    QT_TRANSLATE_NOOP("Scenario", "waiting"), QT_TRANSLATE_NOOP("Scenario", "seen"),
    QT_TRANSLATE_NOOP("Scenario", "not seen"), QT_TRANSLATE_NOOP("Scenario", "pass"),
    QT_TRANSLATE_NOOP("Scenario", "fail"), QT_TRANSLATE_NOOP("Scenario", "defect"),
    QT_TRANSLATE_NOOP("Scenario", "Pass"), QT_TRANSLATE_NOOP("Scenario", "Fail"),
    QT_TRANSLATE_NOOP("Scenario", "Defect"),
)


def point_status(seen: bool, verdict: str | None) -> str:
    """A point's state as shown (translated): its verdict, else seen or not."""
    return translate("Scenario", verdict or ("seen" if seen else "not seen"))


class ScenarioPanel(QWidget):
    """Steps, checklist and tolerances of the running scenario (see module docstring)."""

    #: an engine command (MarkPoint, Reset) to submit to the session
    command_requested = Signal(object)
    #: authoring: move step from index to index
    move_step_requested = Signal(int, int)
    #: authoring: "add inspection point by clicking the model" switched on / off
    placing_toggled = Signal(bool)
    remove_point_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("scenario_panel")
        # everything scrolls, so the dock fits small screens next to other docks
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        outer.addWidget(scroll)
        content = QWidget(scroll)
        scroll.setWidget(content)
        layout = QVBoxLayout(content)
        self.progress_label = QLabel("", content)
        layout.addWidget(self.progress_label)

        steps_box = QGroupBox(translate("Scenario", "Assembly steps"), content)
        steps_layout = QVBoxLayout(steps_box)
        self.steps_tree = QTreeWidget(steps_box)
        # "waits for": the precedence the engine uses, which reordering edits
        self.steps_tree.setHeaderLabels([translate("Scenario", "step"), translate("Scenario", "parts"),
                                         translate("Scenario", "state"), translate("Scenario", "waits for")])
        self.steps_tree.setRootIsDecorated(False)
        steps_layout.addWidget(self.steps_tree)
        row = QHBoxLayout()
        self.step_up_button = QPushButton(translate("Scenario", "Move up"), steps_box)
        self.step_down_button = QPushButton(translate("Scenario", "Move down"), steps_box)
        self.reset_button = QPushButton(translate("Scenario", "Reset task"), steps_box)
        self.step_up_button.clicked.connect(lambda: self._move_step(-1))
        self.step_down_button.clicked.connect(lambda: self._move_step(+1))
        self.reset_button.clicked.connect(lambda: self.command_requested.emit(Reset()))
        for b in (self.step_up_button, self.step_down_button, self.reset_button):
            row.addWidget(b)
        steps_layout.addLayout(row)
        layout.addWidget(steps_box, 2)

        points_box = QGroupBox(translate("Scenario", "Inspection checklist"), content)
        points_layout = QVBoxLayout(points_box)
        self.points_tree = QTreeWidget(points_box)
        self.points_tree.setHeaderLabels([translate("Scenario", "point"), translate("Scenario", "instruction"),
                                          translate("Scenario", "status")])
        self.points_tree.setRootIsDecorated(False)
        points_layout.addWidget(self.points_tree)
        self.note_edit = QLineEdit(points_box)
        self.note_edit.setPlaceholderText(translate("Scenario", "note for the verdict (optional)"))
        points_layout.addWidget(self.note_edit)
        row = QHBoxLayout()
        self.verdict_buttons: dict[Verdict, QPushButton] = {}
        for verdict in Verdict:
            button = QPushButton(translate("Scenario", verdict.value.capitalize()), points_box)
            button.setObjectName(f"verdict_{verdict.value}")
            button.clicked.connect(lambda _=False, v=verdict: self._mark(v))
            self.verdict_buttons[verdict] = button
            row.addWidget(button)
        points_layout.addLayout(row)
        row = QHBoxLayout()
        self.place_button = QPushButton(translate("Scenario", "Add point (click the model)"), points_box)
        self.place_button.setCheckable(True)
        self.place_button.toggled.connect(self.placing_toggled)
        self.remove_point_button = QPushButton(translate("Scenario", "Remove point"), points_box)
        self.remove_point_button.clicked.connect(self._remove_point)
        row.addWidget(self.place_button)
        row.addWidget(self.remove_point_button)
        points_layout.addLayout(row)
        row = QHBoxLayout()
        self.measure_button = QPushButton(translate("Scenario", "Measure (pinch two points)"), points_box)
        self.measure_button.setCheckable(True)
        self.measure_button.toggled.connect(
            lambda on: self.command_requested.emit(MeasureStart() if on else MeasureClear())
        )
        self.measure_label = QLabel("", points_box)
        row.addWidget(self.measure_button)
        row.addWidget(self.measure_label, 1)
        points_layout.addLayout(row)
        layout.addWidget(points_box, 2)

        self._step_items: dict[str, QTreeWidgetItem] = {}
        self._point_items: dict[str, QTreeWidgetItem] = {}
        self._shown: dict[str, str] = {}

    # -- scenario structure ----------------------------------------------------------------
    def set_scenario(self, scenario: Scenario) -> None:
        """Rebuild the lists from ``scenario`` (tolerances are edited in the Parameters
        dock: one editor for them, the active variant's or the scenario's own)."""
        selected_step = self.selected_step_index()
        self.steps_tree.clear()
        self._step_items = {}
        labels = {step.id: step.label or step.id for step in scenario.steps}
        for step in scenario.steps:
            waits = ", ".join(labels.get(r, r) for r in step.requires) or "—"
            item = QTreeWidgetItem([step.label or step.id, str(len(step.parts)), translate("Scenario", STEP_LOCKED),
                                    waits])
            tip = translate("Scenario", "{step} waits for: {steps}").format(step=step.label or step.id, steps=waits)
            for column in (0, 2, 3):  # the dock is narrow: the precedence on hover too
                item.setToolTip(column, tip)
            item.setToolTip(1, "\n".join(step.parts))
            self._step_items[step.id] = item
            self.steps_tree.addTopLevelItem(item)
        selected_point = self.selected_point()
        self.points_tree.clear()
        self._point_items = {}
        for point in scenario.inspection_points:
            item = QTreeWidgetItem([point.id, point.instruction, point_status(False, None)])
            self._point_items[point.id] = item
            self.points_tree.addTopLevelItem(item)
        self._shown = {}
        self.progress_label.setText("")  # the next state's counts fill it
        if selected_step is not None and selected_step < self.steps_tree.topLevelItemCount():
            self.steps_tree.setCurrentItem(self.steps_tree.topLevelItem(selected_step))
        if selected_point in self._point_items:
            self.points_tree.setCurrentItem(self._point_items[selected_point])

    # -- live state -------------------------------------------------------------------------
    def update_state(self, state: EngineState) -> None:
        """Show step and point states; only changed rows are touched."""
        for sid, step in state.steps.items():
            text = STEP_DONE if step.done else STEP_AVAILABLE if step.available else STEP_LOCKED
            self._show(f"step:{sid}", self._step_items.get(sid), translate("Scenario", text))
        for pid, point in state.points.items():
            self._show(
                f"point:{pid}", self._point_items.get(pid), point_status(point.seen, point.verdict)
            )
        self._show_measurement(state.measurement)
        done = sum(s.done for s in state.steps.values())
        marked = sum(p.verdict is not None for p in state.points.values())
        text = translate("Scenario", "Steps {done}/{steps} · points {marked}/{points}").format(
            done=done, steps=len(state.steps), marked=marked, points=len(state.points))
        if state.task_complete:
            text += translate("Scenario", " · task complete")
        if self.progress_label.text() != text:
            self.progress_label.setText(text)

    def _show_measurement(self, m: MeasurementState) -> None:
        if m.distance_mm is not None:
            text = f"{m.distance_mm:.1f} mm"
            if m.clearance_mm is not None:
                text += translate("Scenario", " · clearance {mm} mm").format(mm=f"{m.clearance_mm:.1f}")
        elif m.active:
            text = translate("Scenario", "pick point {n} of 2").format(n=len(m.points) + 1)
        else:
            text = ""
        if self.measure_label.text() != text:
            self.measure_label.setText(text)
        if self.measure_button.isChecked() != m.active:  # e.g. a task reset ended it
            self.measure_button.blockSignals(True)
            self.measure_button.setChecked(m.active)
            self.measure_button.blockSignals(False)

    def step_states(self) -> dict[str, str]:
        """Step label -> shown state (for tests and tooltips)."""
        return {item.text(0): item.text(2) for item in self._step_items.values()}

    def point_states(self) -> dict[str, str]:
        return {pid: item.text(2) for pid, item in self._point_items.items()}

    def selected_point(self) -> str | None:
        item = self.points_tree.currentItem()
        return item.text(0) if item is not None else None

    def selected_step_index(self) -> int | None:
        item = self.steps_tree.currentItem()
        return self.steps_tree.indexOfTopLevelItem(item) if item is not None else None

    # -- internals -----------------------------------------------------------------------------
    def _show(self, key: str, item: QTreeWidgetItem | None, text: str) -> None:
        if item is None or self._shown.get(key) == text:
            return
        self._shown[key] = text
        item.setText(2, text)

    def _mark(self, verdict: Verdict) -> None:
        point = self.selected_point()
        if point is None:
            return
        self.command_requested.emit(
            MarkPoint(point=point, verdict=verdict, note=self.note_edit.text().strip())
        )

    def mark_result(self, point: str | None, accepted: bool, note: str = "") -> None:
        """The engine's answer to a mark: an accepted one used up the typed note; a
        rejected one keeps it, so the person can mark again once the point is seen."""
        if accepted and point == self.selected_point() and self.note_edit.text().strip() == note:
            self.note_edit.clear()

    def _move_step(self, delta: int) -> None:
        index = self.selected_step_index()
        if index is None:
            return
        target = index + delta
        if 0 <= target < self.steps_tree.topLevelItemCount():
            self.move_step_requested.emit(index, target)

    def _remove_point(self) -> None:
        point = self.selected_point()
        if point is not None:
            self.remove_point_requested.emit(point)
