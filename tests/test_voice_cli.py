"""``xrjig listen``: JSON lines for recognised commands, nothing for speech without one."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.voice_audio import SPEECH

REPO = Path(__file__).resolve().parents[1]


def listen(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "app", "listen", *args], capture_output=True, text=True,
                          cwd=REPO, timeout=120)


def test_listen_prints_one_json_object_per_command_and_nothing_for_narration(tmp_path):
    commands = tmp_path / "commands.txt"
    commands.write_text("go forward ten meters = forward\nnext step = next\n")
    done = listen(str(SPEECH / "goforward.raw"), str(SPEECH / "sense_and_sensibility_01_austen_64kb-0870.wav"),
                  "--commands", str(commands), "--json")
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(lines) == 1
    assert lines[0]["file"] == str(SPEECH / "goforward.raw")
    assert lines[0]["phrase"] == "go forward ten meters" and lines[0]["command"] == "forward"
    assert set(lines[0]) == {"file", "t", "phrase", "command", "confidence"} and lines[0]["t"] < 0.5
    done = listen(*(str(SPEECH / n) for n in ("sense_and_sensibility_01_austen_64kb-0880.wav", "numbers.raw")))
    assert done.returncode == 0 and done.stdout == ""


def test_listen_bad_input_is_one_line_and_exit_1(tmp_path):
    bad = tmp_path / "c.txt"
    bad.write_text("pass = Pass!\n")
    for args, said in [((str(tmp_path / "none.wav"),), "cannot be read"),
                       ((str(SPEECH / "goforward.raw"), "--commands", str(bad)), "line 1"),
                       ((), "give AUDIO files")]:
        done = listen(*args)
        assert done.returncode == 1 and done.stdout == ""
        assert len(done.stderr.strip().splitlines()) == 1 and said in done.stderr, done.stderr


def test_listen_reads_espeak_ngs_own_wav_files_one_command_each(tmp_path):
    """What a person testing it would do first: espeak-ng writes each command to its own WAV
    (22.05 kHz, the word 0.05 s in) and ``xrjig listen`` is given them all, in one run."""
    phrases = {"defect": "defect", "next step": "next", "go back": "back"}
    paths = []
    for k, phrase in enumerate(phrases):
        path = tmp_path / f"{k}.wav"
        subprocess.run(["espeak-ng", "-v", "en-gb", "-s", "160", "-w", str(path), phrase], check=True, timeout=30)
        paths.append(path)
    done = listen(*map(str, paths), "--json")
    assert done.returncode == 0, done.stderr
    got = [(json.loads(line)["file"], json.loads(line)["command"]) for line in done.stdout.splitlines()]
    assert got == [(str(p), c) for p, c in zip(paths, phrases.values(), strict=True)]
