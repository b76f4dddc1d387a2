"""A translucent panel over the viewport listing the simulator's controls.

The controls come from the device (devices.desktop.CONTROLS) through the app, since views
may not import devices. Mouse events pass through to the viewport underneath, so the help
can stay open while the user tries the controls.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt
from PySide6.QtWidgets import QLabel, QWidget

_MARGIN = 12
_STYLE = (
    "QLabel { background: rgba(20, 22, 26, 200); color: #e8e8e8; border-radius: 6px;"
    " padding: 10px; font-size: 11px; }"
)


def controls_html(controls: Sequence[tuple[str, str]], title: str | None = None) -> str:
    """The controls as a table, keys and what they do translated (context "Controls")."""
    translate = QCoreApplication.translate
    title = title if title is not None else translate("Controls", "Simulated hands")
    rows = "".join(
        f"<tr><td style='padding-right:12px'><b>{escape(translate('Controls', k))}</b></td>"
        f"<td>{escape(translate('Controls', v))}</td></tr>"
        for k, v in controls
    )
    hide = translate("Controls", "(H: hide)")
    return f"<div><b>{escape(title)}</b> &nbsp;{escape(hide)}</div><table>{rows}</table>"


class HelpOverlay(QLabel):
    """Child of the viewport, pinned to its top-right corner (framed models sit in the
    centre and the hands start low in the view); ``toggle()`` shows / hides it."""

    def __init__(self, parent: QWidget, controls: Sequence[tuple[str, str]]) -> None:
        super().__init__(parent)
        self.setObjectName("help_overlay")
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setText(controls_html(controls))
        self.setStyleSheet(_STYLE)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.adjustSize()
        parent.installEventFilter(self)
        self._place()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Resize:
            self._place()
        return False

    def _place(self) -> None:
        parent = self.parentWidget()
        self.move(max(_MARGIN, parent.width() - self.width() - _MARGIN), _MARGIN)

    def toggle(self) -> None:
        self.setVisible(not self.isVisible())
        if self.isVisible():
            self.raise_()
