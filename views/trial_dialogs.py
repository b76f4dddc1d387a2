"""Trial dialogs: start a trial (participant, variant, where to record) and the post-trial
questionnaires (raw NASA-TLX, SUS). Views only: they collect answers; the app scores them
(interaction.questionnaires) and stores them in the recording.

Both are shown with ``open()`` (window-modal, non-blocking) and report through ``accepted``,
so the session keeps ticking behind them and tests drive them with real clicks.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSlider,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from interaction.questionnaires import SUS_ITEMS, TLX_SUBSCALES

translate = QCoreApplication.translate

#: the only choice when the scenario defines no variants (its own parameters)
DEFAULT_VARIANT_LABEL = QT_TRANSLATE_NOOP("TrialDialogs", "(scenario default)")
#: devices by the name the recording keeps (``Device.name``), as the dialog shows them; a
#: name not listed is shown as it is
DEVICE_NAMES = {
    "desktop": QT_TRANSLATE_NOOP("TrialDialogs", "desktop"),
    "camera": QT_TRANSLATE_NOOP("TrialDialogs", "camera"),
    "openxr": QT_TRANSLATE_NOOP("TrialDialogs", "openxr"),
}

#: NASA-TLX subscale -> (title, question, low anchor, high anchor), Hart & Staveland's wording
#: (context "NasaTlx": the Chinese follows the published Chinese NASA-TLX, see the .ts)
_LOW, _HIGH = QT_TRANSLATE_NOOP("NasaTlx", "Very low"), QT_TRANSLATE_NOOP("NasaTlx", "Very high")
TLX_WORDING = {
    "mental": (QT_TRANSLATE_NOOP("NasaTlx", "Mental demand"),
               QT_TRANSLATE_NOOP("NasaTlx", "How mentally demanding was the task?"), _LOW, _HIGH),
    "physical": (QT_TRANSLATE_NOOP("NasaTlx", "Physical demand"),
                 QT_TRANSLATE_NOOP("NasaTlx", "How physically demanding was the task?"), _LOW, _HIGH),
    "temporal": (QT_TRANSLATE_NOOP("NasaTlx", "Temporal demand"),
                 QT_TRANSLATE_NOOP("NasaTlx", "How hurried or rushed was the pace of the task?"), _LOW, _HIGH),
    "performance": (QT_TRANSLATE_NOOP("NasaTlx", "Performance"),
                    QT_TRANSLATE_NOOP("NasaTlx", "How successful were you in accomplishing what you were asked to do?"),
                    QT_TRANSLATE_NOOP("NasaTlx", "Perfect"), QT_TRANSLATE_NOOP("NasaTlx", "Failure")),
    "effort": (QT_TRANSLATE_NOOP("NasaTlx", "Effort"),
               QT_TRANSLATE_NOOP("NasaTlx", "How hard did you have to work to accomplish your level of performance?"),
               _LOW, _HIGH),
    "frustration": (QT_TRANSLATE_NOOP("NasaTlx", "Frustration"),
                    QT_TRANSLATE_NOOP("NasaTlx", "How insecure, discouraged, irritated, stressed, and annoyed were you?"),
                    _LOW, _HIGH),
}
SUS_ANCHORS = (QT_TRANSLATE_NOOP("Sus", "Strongly disagree"), QT_TRANSLATE_NOOP("Sus", "Strongly agree"))
#: interaction.questionnaires.SUS_ITEMS (Brooke's wording) for translation (context "Sus":
#: the Chinese follows the published Chinese SUS, see the .ts); tests check they are the same
SUS_WORDING = (
    QT_TRANSLATE_NOOP("Sus", "I think that I would like to use this system frequently."),
    QT_TRANSLATE_NOOP("Sus", "I found the system unnecessarily complex."),
    QT_TRANSLATE_NOOP("Sus", "I thought the system was easy to use."),
    QT_TRANSLATE_NOOP("Sus", "I think that I would need the support of a technical person to be able to use this system."),
    QT_TRANSLATE_NOOP("Sus", "I found the various functions in this system were well integrated."),
    QT_TRANSLATE_NOOP("Sus", "I thought there was too much inconsistency in this system."),
    QT_TRANSLATE_NOOP("Sus", "I would imagine that most people would learn to use this system very quickly."),
    QT_TRANSLATE_NOOP("Sus", "I found the system very cumbersome to use."),
    QT_TRANSLATE_NOOP("Sus", "I felt very confident using the system."),
    QT_TRANSLATE_NOOP("Sus", "I needed to learn a lot of things before I could get going with this system."),
)


class StartTrialDialog(QDialog):
    """Participant id, the scenario's variant, the device shown, and the recording folder."""

    def __init__(self, variants: list[str], variant: str | None, device: str, folder: Path,
                 participant: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(translate("TrialDialogs", "Start trial"))
        form = QFormLayout(self)
        self.participant_edit = QLineEdit(participant, self)
        self.participant_edit.setPlaceholderText(translate("TrialDialogs", "e.g. P07"))
        form.addRow(translate("TrialDialogs", "Participant id"), self.participant_edit)
        self.variant_box = QComboBox(self)
        if not variants:
            self.variant_box.addItem(translate("TrialDialogs", DEFAULT_VARIANT_LABEL), None)
        for name in variants:
            self.variant_box.addItem(name, name)
        self.variant_box.setCurrentIndex(max(0, self.variant_box.findData(variant)))
        form.addRow(translate("TrialDialogs", "Variant"), self.variant_box)
        shown = translate("TrialDialogs", DEVICE_NAMES[device]) if device in DEVICE_NAMES else device
        form.addRow(translate("TrialDialogs", "Device"), QLabel(shown, self))
        row = QHBoxLayout()
        self.folder_edit = QLineEdit(str(folder), self)
        browse = QPushButton(translate("TrialDialogs", "Browse…"), self)
        browse.clicked.connect(self._browse)
        row.addWidget(self.folder_edit, 1)
        row.addWidget(browse)
        form.addRow(translate("TrialDialogs", "Recording folder"), row)
        form.addRow(QLabel(translate("TrialDialogs", "Recording starts with the trial; the task restarts from the beginning."),
                           self))
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(translate("TrialDialogs", "Start trial"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self.participant_edit.textChanged.connect(self._update_ok)
        self._update_ok()

    @property
    def participant(self) -> str:
        return self.participant_edit.text().strip()

    @property
    def variant(self) -> str | None:
        return self.variant_box.currentData()

    @property
    def folder(self) -> Path:
        return Path(self.folder_edit.text().strip()).expanduser()

    def _update_ok(self) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(self.participant))

    def _browse(self) -> None:
        path = QFileDialog.getExistingDirectory(self, translate("TrialDialogs", "Recording folder"), self.folder_edit.text())
        if path:
            self.folder_edit.setText(path)


class QuestionnaireDialog(QDialog):
    """Raw NASA-TLX (six 0-100 sliders) and SUS (ten 1-5 items); either may be left out."""

    def __init__(self, participant: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(translate("TrialDialogs", "Questionnaires — {participant}").format(participant=participant))
        self.resize(640, 620)
        self.tabs = tabs = QTabWidget(self)
        self.tlx_box = QGroupBox(translate("NasaTlx", "Fill in NASA-TLX (raw)"), self)
        self.tlx_box.setCheckable(True)
        grid = QGridLayout(self.tlx_box)
        self.tlx_sliders: dict[str, QSlider] = {}
        for row, name in enumerate(TLX_SUBSCALES):
            title, question, low, high = (translate("NasaTlx", text) for text in TLX_WORDING[name])
            slider = QSlider(Qt.Orientation.Horizontal, self.tlx_box)
            slider.setRange(0, 100)
            slider.setSingleStep(5)
            slider.setPageStep(10)
            slider.setTickInterval(5)
            slider.setTickPosition(QSlider.TickPosition.TicksBelow)
            slider.setValue(50)
            value = QLabel("50", self.tlx_box)
            slider.valueChanged.connect(lambda v, label=value: label.setText(str(v)))
            label = QLabel(f"<b>{title}</b><br>{question}", self.tlx_box)
            label.setWordWrap(True)
            grid.addWidget(label, 2 * row, 0, 1, 4)
            grid.addWidget(QLabel(low, self.tlx_box), 2 * row + 1, 0)
            grid.addWidget(slider, 2 * row + 1, 1)
            grid.addWidget(QLabel(high, self.tlx_box), 2 * row + 1, 2)
            grid.addWidget(value, 2 * row + 1, 3)
            self.tlx_sliders[name] = slider
        tabs.addTab(self.tlx_box, "NASA-TLX")
        self.sus_box = QGroupBox(translate("Sus", "Fill in SUS"), self)
        self.sus_box.setCheckable(True)
        sus_layout = QGridLayout(self.sus_box)
        self.sus_groups: list[QButtonGroup] = []
        sus_layout.addWidget(QLabel(translate("Sus", "1 = {disagree} … 5 = {agree}").format(
            disagree=translate("Sus", SUS_ANCHORS[0]).lower(), agree=translate("Sus", SUS_ANCHORS[1]).lower()),
            self.sus_box),
                             0, 0, 1, 6)
        for i, text in enumerate(SUS_ITEMS, 1):
            label = QLabel(f"{i}. {translate('Sus', text)}", self.sus_box)
            label.setWordWrap(True)
            sus_layout.addWidget(label, i, 0)
            group = QButtonGroup(self.sus_box)
            for answer in range(1, 6):
                button = QRadioButton(str(answer), self.sus_box)
                group.addButton(button, answer)
                sus_layout.addWidget(button, i, answer)
            group.idClicked.connect(self._update_ok)
            self.sus_groups.append(group)
        sus_layout.setColumnStretch(0, 1)
        sus_layout.setRowStretch(len(SUS_ITEMS) + 1, 1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.sus_box)
        tabs.addTab(scroll, "SUS")
        self.hint = QLabel("", self)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Discard, self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.button(QDialogButtonBox.StandardButton.Discard).setText(translate("TrialDialogs", "Skip"))
        self.buttons.button(QDialogButtonBox.StandardButton.Discard).clicked.connect(self.reject)
        self.sus_box.toggled.connect(self._update_ok)
        self.tlx_box.toggled.connect(self._update_ok)
        layout = QVBoxLayout(self)
        layout.addWidget(tabs, 1)
        layout.addWidget(self.hint)
        layout.addWidget(self.buttons)
        self._update_ok()

    def tlx_ratings(self) -> dict[str, float] | None:
        """Subscale -> 0..100, or None when NASA-TLX was left out."""
        if not self.tlx_box.isChecked():
            return None
        return {name: float(s.value()) for name, s in self.tlx_sliders.items()}

    def sus_answers(self) -> tuple[int, ...] | None:
        """Item 1..10 answers (1..5), or None when SUS was left out."""
        if not self.sus_box.isChecked():
            return None
        return tuple(g.checkedId() for g in self.sus_groups)

    def _update_ok(self) -> None:
        missing = [i for i, g in enumerate(self.sus_groups, 1) if g.checkedId() < 1] if self.sus_box.isChecked() else []
        self.hint.setText(translate("Sus", "SUS items not answered: {items} (or untick 'Fill in SUS')").format(
            items=", ".join(map(str, missing))) if missing else "")
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(not missing)
