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

#: why the recogniser rejected an utterance (devices.voice.recognizer's ``Heard.reason``,
#: English words) as the indicator says it; a reason not listed is shown as it is
REJECTION_REASONS = {
    "too long": QT_TRANSLATE_NOOP("VoiceIndicator", "too long"),
    "too short": QT_TRANSLATE_NOOP("VoiceIndicator", "too short"),
    "no voice": QT_TRANSLATE_NOOP("VoiceIndicator", "no voice (a hiss or a noise)"),
    "not a command": QT_TRANSLATE_NOOP("VoiceIndicator", "not a command"),
    "unsure": QT_TRANSLATE_NOOP("VoiceIndicator", "unsure"),
    "no wake phrase": QT_TRANSLATE_NOOP("VoiceIndicator", "no wake phrase"),
    "no note heard": QT_TRANSLATE_NOOP("VoiceIndicator", "no note heard"),
}


def rejection_text(phrase: str, reason: str) -> str:
    """What the indicator shows of a rejected utterance: "phrase – why" (the phrase as the
    English speech model heard it, the reason in the interface's language)."""
    why = QCoreApplication.translate("VoiceIndicator", REJECTION_REASONS[reason]) if reason in REJECTION_REASONS else reason
    return f"{phrase} – {why}" if phrase else why


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
