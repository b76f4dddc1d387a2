"""An undo stack without Qt: commands that know how to undo themselves, grouped into macros,
with a clean mark for "saved".

The scenario document (scenario_document.py) keeps its history here rather than in Qt's
QUndoStack, so the document, and later a second participant's copy of it, runs where Qt does
not (a server, a test, a headless check); the window wraps it in actions (views/authoring.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


class Listeners:
    """Callbacks to call on a change (the Qt-free counterpart of a signal)."""

    def __init__(self) -> None:
        self._callbacks: list[Callable[..., object]] = []

    def connect(self, callback: Callable[..., object]) -> None:
        self._callbacks.append(callback)

    def disconnect(self, callback: Callable[..., object]) -> None:
        self._callbacks.remove(callback)

    def emit(self, *args: object) -> None:
        for callback in list(self._callbacks):
            callback(*args)


@dataclass
class Command:
    """One undoable change: ``apply`` does it (again), ``revert`` takes it back.

    ``text`` names it in English. A window in another language shows ``template`` (the
    text marked for translation, its names as ``{fields}``) translated, then filled in with
    ``values``; without a template, ``text`` itself is the marked text."""

    text: str
    apply: Callable[[], None]
    revert: Callable[[], None]
    #: commands grouped under this one (a macro): applied in order, reverted in reverse
    children: list[Command] = field(default_factory=list)
    template: str = ""
    values: dict[str, str] = field(default_factory=dict)

    def redo(self) -> None:
        self.apply()
        for child in self.children:
            child.redo()

    def undo(self) -> None:
        for child in reversed(self.children):
            child.undo()
        self.revert()


def _nothing() -> None:
    """What a macro itself does: its children do the work."""


class UndoStack:
    """Commands done so far and undone since; ``changed`` fires after every push, undo,
    redo and clean mark (the window updates its Undo / Redo actions from it)."""

    def __init__(self) -> None:
        self._done: list[Command] = []
        self._undone: list[Command] = []
        self._macro: Command | None = None
        self._macro_depth = 0
        #: how many commands were done when last marked clean (None: that state is gone)
        self._clean_at: int | None = 0
        self.changed = Listeners()

    def push(self, command: Command) -> None:
        """Do ``command`` and remember it (inside a macro: as part of the macro)."""
        command.redo()
        if self._macro is not None:
            self._macro.children.append(command)
            return
        self._record(command)

    def _record(self, command: Command) -> None:
        if self._clean_at is not None and self._clean_at > len(self._done):
            self._clean_at = None  # the saved state was undone past and is now out of reach
        self._done.append(command)
        self._undone.clear()
        self.changed.emit()

    def begin_macro(self, text: str) -> None:
        """Group the pushes until ``end_macro`` into one undo step called ``text``."""
        if self._macro_depth == 0:
            self._macro = Command(text, _nothing, _nothing)
        self._macro_depth += 1

    def end_macro(self) -> None:
        self._macro_depth -= 1
        if self._macro_depth == 0 and self._macro is not None:
            macro, self._macro = self._macro, None
            if macro.children:  # an empty macro is no step
                self._record(macro)

    def undo(self) -> None:
        if self._done:
            command = self._done.pop()
            command.undo()
            self._undone.append(command)
            self.changed.emit()

    def redo(self) -> None:
        if self._undone:
            command = self._undone.pop()
            command.redo()
            self._done.append(command)
            self.changed.emit()

    @property
    def can_undo(self) -> bool:
        return bool(self._done)

    @property
    def can_redo(self) -> bool:
        return bool(self._undone)

    @property
    def undo_text(self) -> str:
        return self._done[-1].text if self._done else ""

    @property
    def redo_text(self) -> str:
        return self._undone[-1].text if self._undone else ""

    @property
    def undo_command(self) -> Command | None:
        """What Undo would take back (its name in other languages: ``Command.template``)."""
        return self._done[-1] if self._done else None

    @property
    def redo_command(self) -> Command | None:
        return self._undone[-1] if self._undone else None

    def set_clean(self) -> None:
        """Mark the present state as saved."""
        self._clean_at = len(self._done)
        self.changed.emit()

    def is_clean(self) -> bool:
        """Whether the document is as it was when last marked clean (saved or opened)."""
        return self._clean_at == len(self._done)
