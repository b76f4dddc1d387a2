"""Voice command phrases: the default set, command files, and what each phrase does.

A phrase is what the person says ("next step"); its command is the name the app acts on
("next"), the same whatever the phrase: a scenario or a user may add phrases ("following
point = next") or phrases of its own ("torque checked = torque_checked"), which are
recognised, shown and recorded but change nothing in the engine.

A commands file has one phrase per line, optionally ``phrase = command``; ``#`` starts a
comment. Phrases are lower-case words of the recogniser's dictionary (checked when the
recogniser is built, where the dictionary is known). Files are bounded (size, lines, words)
and every error is one line naming the file and line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

#: the command names the window maps to engine commands (others are only recorded)
KNOWN_COMMANDS = ("pass", "fail", "defect", "next", "back", "undo", "repeat", "reset", "note")

#: phrase -> command: what an inspector or assembler says with busy hands
DEFAULT_PHRASES: dict[str, str] = {
    "pass": "pass",
    "fail": "fail",
    "defect": "defect",
    "next step": "next",
    "go back": "back",
    "undo": "undo",
    "repeat": "repeat",
    "reset": "reset",
    "note": "note",
}

MAX_FILE_BYTES = 64 * 1024
MAX_PHRASES = 200
MAX_WORDS = 8
_WORD = re.compile(r"^[a-z][a-z']*$")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class CommandsError(ValueError):
    """A bad commands file or phrase: one line for the user."""


@dataclass(frozen=True)
class CommandSet:
    """Phrases and the command each one means (``phrases``: phrase -> command)."""

    phrases: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_PHRASES))

    @property
    def words(self) -> list[str]:
        """Every distinct word of every phrase (the dictionary must know them all)."""
        return sorted({w for p in self.phrases for w in p.split()})

    @property
    def max_words(self) -> int:
        return max((len(p.split()) for p in self.phrases), default=1)

    def command(self, phrase: str) -> str | None:
        """The command ``phrase`` means, or None when it is not one of the phrases."""
        return self.phrases.get(normalise(phrase))

    def merged(self, other: CommandSet) -> CommandSet:
        """This set with ``other``'s phrases added (``other`` wins for a phrase in both)."""
        return CommandSet({**self.phrases, **other.phrases})


def normalise(phrase: str) -> str:
    """Lower case, single spaces."""
    return " ".join(phrase.lower().split())


def parse_commands(lines: Iterable[str], source: str = "commands") -> CommandSet:
    """A CommandSet from ``phrase`` / ``phrase = command`` lines; CommandsError names the line."""
    phrases: dict[str, str] = {}
    for number, line in enumerate(lines, 1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        phrase, _, command = text.partition("=")
        phrase = normalise(phrase)
        command = command.strip().lower() or phrase.replace(" ", "_").replace("'", "")
        where = f"{source}: line {number}"
        words = phrase.split()
        if not words:
            raise CommandsError(f"{where}: no phrase before '='")
        if len(words) > MAX_WORDS:
            raise CommandsError(f"{where}: a phrase has at most {MAX_WORDS} words")
        bad = next((w for w in words if not _WORD.match(w)), None)
        if bad is not None:
            raise CommandsError(f"{where}: {bad!r} is not a word (letters and apostrophes only)")
        if not _NAME.match(command):
            raise CommandsError(f"{where}: command {command!r} must be a name (a-z, 0-9, _)")
        phrases[phrase] = command
        if len(phrases) > MAX_PHRASES:
            raise CommandsError(f"{where}: more than {MAX_PHRASES} phrases")
    if not phrases:
        raise CommandsError(f"{source}: no phrases")
    return CommandSet(phrases)


def read_commands(path: str | Path) -> CommandSet:
    """A commands file (UTF-8, at most 64 KiB); CommandsError in one line."""
    path = Path(path)
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except OSError as err:
        raise CommandsError(f"{path}: cannot be read ({err.strerror or err})") from None
    if len(data) > MAX_FILE_BYTES:
        raise CommandsError(f"{path}: larger than {MAX_FILE_BYTES // 1024} KiB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise CommandsError(f"{path}: not UTF-8 text") from None
    return parse_commands(text.splitlines(), str(path))


def scenario_phrases(scenario_path: str | Path | None) -> CommandSet | None:
    """A scenario's own phrases: ``NAME.voice.txt`` beside ``NAME.yaml`` (None when absent).

    Kept beside the scenario rather than inside it so a scenario file stays readable by
    versions without voice."""
    if scenario_path is None:
        return None
    path = Path(scenario_path)
    sidecar = path.with_name(path.stem + ".voice.txt")
    return read_commands(sidecar) if sidecar.is_file() else None
