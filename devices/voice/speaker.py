"""Saying something aloud, offline: "repeat" reads the current instruction to someone whose
eyes are on the part.

espeak-ng (a Debian package the install script adds) speaks it on the default audio output:
no network, nothing written to disk. The text goes as one argument after ``--``, never
through a shell, so an instruction from a scenario file cannot become an option or a
command. A new utterance cuts the one still speaking. Without espeak-ng ``say`` answers
False and the window only shows the text.
"""

from __future__ import annotations

import shutil
import subprocess

#: interface language -> espeak-ng voice
VOICES = {"en": "en", "zh_CN": "cmn"}


class Speaker:
    """Text to speech through espeak-ng (see module docstring)."""

    def __init__(self, program: str = "espeak-ng") -> None:
        self.program = shutil.which(program)
        self._process: subprocess.Popen | None = None

    @property
    def available(self) -> bool:
        return self.program is not None

    def command(self, text: str, language: str = "en") -> list[str]:
        """The espeak-ng command line that says ``text`` in ``language`` (an interface code)."""
        assert self.program is not None
        return [self.program, "-v", VOICES.get(language, "en"), "--", text]

    def say(self, text: str, language: str = "en") -> bool:
        """Start saying ``text`` (cutting what is still being said); False if it cannot."""
        if self.program is None or not text.strip():
            return False
        self.stop()
        try:
            self._process = subprocess.Popen(self.command(text, language), stdin=subprocess.DEVNULL,
                                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except OSError:
            return False
        return True

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
        self._process = None
