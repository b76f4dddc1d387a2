"""The voice indicator in the status bar: off, listening, hearing, heard "…", rejected "…".

It shows what the recogniser decided and nothing more (the voice controller tells it), so
a person can see at a glance whether a word was taken, and what it was taken for.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

#: state -> (symbol, colour)
_LOOK = {
    "off": ("voice: off", "#808080"),
    "listening": ("voice: listening", "#2070c0"),
    "hearing": ("voice: hearing…", "#c08000"),
    "heard": ("voice: heard", "#208020"),
    "rejected": ("voice: rejected", "#c02020"),
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
        self.state = state
        self.setText(f"{label} “{text}”" if text else label)
        self.setStyleSheet(f"color: {colour}; padding: 0 6px")
        self.setToolTip("Voice commands (Interaction ▸ Voice): what was heard last")
