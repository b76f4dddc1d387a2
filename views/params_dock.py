"""The parameters panel (shown in a dock): edit the active variant's interaction parameters live.

The form is built from the fields of ``InteractionParams`` (numbers, switches, enums), so a
new parameter appears here without touching this file. Every accepted edit emits a complete,
validated ``InteractionParams``; an edit the dataclass refuses (release threshold above the
press threshold, ...) is shown in red and not emitted, so the engine never runs with
parameters that could not be saved.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from enum import Enum

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from interaction.params import InteractionParams

#: name suffix -> (unit label, maximum, step, decimals)
_UNITS = {
    "_mm": (" mm", 1000.0, 0.5, 1),
    "_deg": (" °", 180.0, 1.0, 1),
    "_s": (" s", 60.0, 0.1, 2),
    "_m": (" m", 100.0, 0.5, 2),
}
_STRENGTH = ("", 1.0, 0.05, 2)

#: shown in the variant chooser when the scenario has no variants (translated when shown;
#: the item's data stays this name)
DEFAULT_VARIANT = QT_TRANSLATE_NOOP("Parameters", "default")
translate = QCoreApplication.translate
#: the parameters' shown names (``_label`` of InteractionParams' fields), for translation;
#: tests/test_translations.py checks that every field has one
PARAM_LABELS = (
    QT_TRANSLATE_NOOP("Parameters", "Snap position"), QT_TRANSLATE_NOOP("Parameters", "Snap angle"),
    QT_TRANSLATE_NOOP("Parameters", "Magnet radius"), QT_TRANSLATE_NOOP("Parameters", "Dwell time"),
    QT_TRANSLATE_NOOP("Parameters", "Inspection radius"), QT_TRANSLATE_NOOP("Parameters", "Grab mode"),
    QT_TRANSLATE_NOOP("Parameters", "Smoothing"), QT_TRANSLATE_NOOP("Parameters", "Press threshold"),
    QT_TRANSLATE_NOOP("Parameters", "Release threshold"), QT_TRANSLATE_NOOP("Parameters", "Near radius"),
    QT_TRANSLATE_NOOP("Parameters", "Ray max length"), QT_TRANSLATE_NOOP("Parameters", "Poke depth"),
    QT_TRANSLATE_NOOP("Parameters", "Poke radius"), QT_TRANSLATE_NOOP("Parameters", "Highlight"),
    QT_TRANSLATE_NOOP("Parameters", "Collision check"), QT_TRANSLATE_NOOP("Parameters", "Collision tolerance"),
)
#: enum values shown in the parameters' choosers (the item data stays the value)
PARAM_CHOICES = (
    QT_TRANSLATE_NOOP("Parameters", "kinematic"), QT_TRANSLATE_NOOP("Parameters", "smoothed"),
    QT_TRANSLATE_NOOP("Parameters", "outline"), QT_TRANSLATE_NOOP("Parameters", "tint"),
    QT_TRANSLATE_NOOP("Parameters", "none"),
)


def _label(name: str) -> str:
    for suffix in _UNITS:
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    return translate("Parameters", name.replace("_", " ").capitalize())


class ParamsPanel(QWidget):
    """Live editor of InteractionParams plus a variant chooser."""

    #: a complete, valid InteractionParams after every accepted edit
    params_edited = Signal(object)
    #: the variant picked in the chooser (its name)
    variant_chosen = Signal(str)

    def __init__(
        self, params: InteractionParams | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("params_panel")
        self._params = params or InteractionParams()
        layout = QVBoxLayout(self)
        self.variant_box = QComboBox(self)
        self.variant_box.addItem(translate("Parameters", DEFAULT_VARIANT), DEFAULT_VARIANT)
        # the item's data is the variant's name (the shown text of "default" is translated)
        self.variant_box.currentIndexChanged.connect(lambda i: self._on_variant(self.variant_box.itemData(i)))
        layout.addWidget(QLabel(translate("Parameters", "Variant"), self))
        layout.addWidget(self.variant_box)
        # the form scrolls, so the dock can be short on small screens
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        form_widget = QWidget(scroll)
        form = QFormLayout(form_widget)
        scroll.setWidget(form_widget)
        layout.addWidget(scroll, 1)
        self.editors: dict[str, QWidget] = {}
        for f in dataclasses.fields(InteractionParams):
            editor = self._make_editor(f.name, getattr(self._params, f.name), form_widget)
            editor.setObjectName(f"param_{f.name}")
            self.editors[f.name] = editor
            form.addRow(_label(f.name), editor)
        self.error_label = QLabel("", self)
        self.error_label.setStyleSheet("color: #d33;")
        self.error_label.setWordWrap(True)
        layout.addWidget(self.error_label)

    # -- public ------------------------------------------------------------------------
    @property
    def params(self) -> InteractionParams:
        return self._params

    def set_params(self, params: InteractionParams) -> None:
        """Show ``params`` without emitting (the session or a variant switch changed them)."""
        self._params = params
        for name, editor in self.editors.items():
            editor.blockSignals(True)
            _set_value(editor, getattr(params, name))
            editor.blockSignals(False)
        self.error_label.setText("")

    def set_variants(self, names: Sequence[str], current: str | None = None) -> None:
        self.variant_box.blockSignals(True)
        self.variant_box.clear()
        if not names:
            self.variant_box.addItem(translate("Parameters", DEFAULT_VARIANT), DEFAULT_VARIANT)
        for name in names:
            self.variant_box.addItem(name, name)
        if current is not None:
            self.variant_box.setCurrentIndex(max(0, self.variant_box.findData(current)))
        self.variant_box.blockSignals(False)

    # -- internals ----------------------------------------------------------------------
    def _make_editor(self, name: str, value: object, parent: QWidget) -> QWidget:
        if isinstance(value, bool):
            box = QCheckBox(parent)
            box.setChecked(value)
            box.toggled.connect(lambda v, n=name: self._edit(n, v))
            return box
        if isinstance(value, Enum):
            combo = QComboBox(parent)
            for member in type(value):
                combo.addItem(translate("Parameters", member.value), member.value)
            combo.setCurrentIndex(max(0, combo.findData(value.value)))
            combo.currentIndexChanged.connect(lambda i, n=name, c=combo: self._edit(n, c.itemData(i)))
            return combo
        unit, maximum, step, decimals = next(
            (spec for suffix, spec in _UNITS.items() if name.endswith(suffix)), _STRENGTH
        )
        spin = QDoubleSpinBox(parent)
        spin.setRange(0.0, maximum)
        spin.setDecimals(decimals)
        spin.setSingleStep(step)
        spin.setSuffix(unit)
        spin.setKeyboardTracking(False)  # emit on Enter / arrows, not on every digit typed
        spin.setValue(float(value))  # type: ignore[arg-type]
        spin.valueChanged.connect(lambda v, n=name: self._edit(n, v))
        return spin

    def _edit(self, name: str, value: object) -> None:
        try:
            params = self._params.replace(**{name: value})
        except ValueError as err:
            self.error_label.setText(str(err))
            return
        self.error_label.setText("")
        self._params = params
        self.params_edited.emit(params)

    def _on_variant(self, name: str | None) -> None:
        if name:
            self.variant_chosen.emit(name)


def _set_value(editor: QWidget, value: object) -> None:
    if isinstance(editor, QCheckBox):
        editor.setChecked(bool(value))
    elif isinstance(editor, QComboBox):
        editor.setCurrentIndex(max(0, editor.findData(value.value if isinstance(value, Enum) else str(value))))
    elif isinstance(editor, QDoubleSpinBox):
        editor.setValue(float(value))  # type: ignore[arg-type]
