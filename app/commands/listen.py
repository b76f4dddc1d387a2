"""``xrjig listen AUDIO... [--commands FILE] [--json] [--device N]``: the offline voice
recogniser on speech files or a microphone.

One line per recognised command (``--json``: ``{"file", "t", "phrase", "command",
"confidence"}``, t = seconds from the file's start to the start of the phrase); what was
heard and rejected is not printed (``--verbose`` says it on stderr). A file with no
command prints nothing and exits 0. Audio stays in memory and is never written.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from app.cli import number


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("audio", nargs="*", type=Path,
                        help="WAV (PCM, any rate and channels: resampled to 16 kHz mono) or raw 16 kHz 16-bit little-endian files")
    parser.add_argument("--commands", type=Path, help="phrases, one a line, optionally 'phrase = command'")
    parser.add_argument("--json", action="store_true", help="one JSON object per command")
    parser.add_argument("--device", type=number(int, 0, 255), metavar="N",
                        help="listen to microphone N (Qt's audio inputs, in order) until Ctrl+C")
    parser.add_argument("--model", type=Path, help="another PocketSphinx model folder")
    parser.add_argument("--wake", action="store_true", help="take commands only after the wake phrase")
    parser.add_argument("--verbose", action="store_true", help="say rejected utterances on stderr")


def run(args: argparse.Namespace) -> int:
    from devices.voice.audio_files import AudioError, read_audio
    from devices.voice.commands import CommandsError, CommandSet, read_commands
    from devices.voice.recognizer import Heard, ModelError, Recognizer, RecognizerSettings

    if not args.audio and args.device is None:
        print("xrjig: listen: give AUDIO files or --device N", file=sys.stderr)
        return 1
    try:
        commands = read_commands(args.commands) if args.commands else CommandSet()
        recognizer = Recognizer(commands, RecognizerSettings(model_dir=args.model))
    except (CommandsError, ModelError) as err:
        print(f"xrjig: listen: {err}", file=sys.stderr)
        return 1
    recognizer.require_wake = args.wake

    def say(source: str, heard: list[Heard]) -> None:
        for h in heard:
            if not h.accepted:
                if args.verbose:
                    print(f"{source}: {h.start:.2f}s rejected {h.phrase!r} ({h.reason})", file=sys.stderr)
                continue
            if args.json:
                print(json.dumps({"file": source, "t": round(h.start, 3), "phrase": h.phrase,
                                  "command": h.command, "confidence": h.confidence}), flush=True)
            else:
                print(f"{source}\t{h.start:.2f}\t{h.command}\t{h.phrase}\t{h.confidence:.2f}", flush=True)

    for path in args.audio:
        try:
            pcm = read_audio(path)
        except AudioError as err:
            print(f"xrjig: listen: {err}", file=sys.stderr)
            return 1
        say(str(path), recognizer.recognise_file(pcm))
    if args.device is not None:
        from app.window.microphone import listen_to_device

        return listen_to_device(args.device, recognizer, lambda heard: say(f"microphone:{args.device}", heard),
                                lambda text: print(f"xrjig: listen: {text}", file=sys.stderr))
    return 0
