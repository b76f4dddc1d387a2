"""Saying the instruction aloud ("repeat"): espeak-ng, offline, the text as one argument.

No loudspeaker here: the same command line is run with ``--stdout`` and the speech it
would play is checked (a WAV of the right length, in English and in Mandarin)."""

from __future__ import annotations

import io
import subprocess
import wave

import pytest

from devices.voice.speaker import Speaker


def _spoken_seconds(argv: list[str]) -> float:
    done = subprocess.run([argv[0], "--stdout", *argv[1:]], capture_output=True, timeout=60, check=True)
    with wave.open(io.BytesIO(done.stdout)) as w:  # a streamed WAV: its header claims no length
        rate, width = w.getframerate(), w.getsampwidth()
    return (len(done.stdout) - 44) / (rate * width)


@pytest.mark.parametrize(("text", "language", "voice"), [
    ("P1: check the rod is seated in its bore", "en", "en"),
    ("P1：检查杆是否在孔中到位", "zh_CN", "cmn"),
    ("--help; rm -rf / $(reboot)", "en", "en"),  # an instruction that looks like options or a shell
])
def test_the_instruction_is_spoken_as_one_argument(text, language, voice):
    speaker = Speaker()
    assert speaker.available, "espeak-ng is installed by scripts/install-system-packages.sh"
    argv = speaker.command(text, language)
    assert argv[1:3] == ["-v", voice] and argv[-2:] == ["--", text]
    assert 1.0 < _spoken_seconds(argv) < 20.0  # speech of a sentence, not an option's output


def test_without_espeak_nothing_is_said_and_the_window_only_shows_it():
    speaker = Speaker(program="no-such-speech-synthesiser")
    assert not speaker.available and speaker.say("P1: inspect") is False
    assert Speaker().say("   ") is False  # nothing to say
