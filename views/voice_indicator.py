"""The voice indicator in the status bar: off, listening, hearing, heard "…", rejected "…".

It shows what the recogniser decided and nothing more (the voice controller tells it), so
a person can see at a glance whether a word was taken, and what it was taken for.
"""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication
from PySide6.QtWidgets import QLabel, QWidget

#: state -> (symbol, colour)
_LOOK = {
    "off": (QT_TRANSLATE_NOOP("VoiceIndicator", "voice: off"), "#808080"),
    "listening": (QT_TRANSLATE_NOOP("VoiceIndicator", "voice: listening"), "#2070c0"),
    "hearing": (QT_TRANSLATE_NOOP("VoiceIndicator", "voice: hearing…"), "#c08000"),
    "heard": (QT_TRANSLATE_NOOP("VoiceIndicator", "voice: heard"), "#208020"),
    "rejected": (QT_TRANSLATE_NOOP("VoiceIndicator", "voice: rejected"), "#c02020"),
}


class VoiceIndicator(QLabel):
    """A small label: ``show_state(state, text)`` with a state of ``_LOOK``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("voice_indicator")
        self.state = ""
        self.show_state("off")

    def show_state(self, state: str, text: str = "") -> None:
        label, colour = _LOOK[state]
        label = QCoreApplication.translate("VoiceIndicator", label)
        self.state = state
        self.setText(f"{label} “{text}”" if text else label)
        self.setStyleSheet(f"color: {colour}; padding: 0 6px")
        self.setToolTip(QCoreApplication.translate("VoiceIndicator", "Voice commands (Interaction ▸ Voice): what was heard last"))
