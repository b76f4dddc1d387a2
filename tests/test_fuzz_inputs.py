"""The bad-input promise, fuzzed through the real ``xrjig`` command line: option values and ``track`` images/videos, and the harness itself.

The promise, the worker bench and the generators: tests/fuzz_bench.py.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import struct
import zlib
from pathlib import Path

import pytest
from hypothesis import strategies as st

from interaction.params import InteractionParams
from tests.conftest import FACES, HANDS
from tests.fuzz_bench import (
    SEED,
    examples,
    flip_bytes,
    problems,
    short,
)
from tests.fuzz_worker import Case

pytestmark = pytest.mark.timeout(280)


@pytest.fixture(scope="module")
def recording(fuzz_recording: Path) -> Path:
    return fuzz_recording


# ---------------------------------------------------------------- 4. option values ---

#: spellings that trip number parsing: beyond float and int64, non-finite, negative zero,
#: subnormal, hex, underscores, non-ASCII digits, blanks, huge
SPECIALNUMBERS = ["1e308", "-1e308", "1e309", "nan", "NaN", "-nan", "inf", "-inf", "Infinity",
                   "-0", "-0.0", "0", "1", str(2**64), str(-(2**64)), str(2**1000), "1e-320",
                   "5e-324", "0x10", "1_000", " 7 ", "\uff11\uff12", "\u0663", "1e", "", "--",
                   "1" * 5000, "1/2", "2**64", "1,5", "+inf", "True"]
NUMBER_TEXT = st.one_of(
    st.sampled_from(SPECIALNUMBERS),
    st.floats(0, 200).map(repr),  # mostly in range: the command then runs to the end
    st.integers(0, 100).map(str),
    st.floats().map(repr),
    st.integers(-(2**70), 2**70).map(str),
    st.text(st.characters(exclude_characters="\x00"), max_size=12),
)
PARAM_NAMES = sorted(InteractionParams().to_dict())
OPTION_KINDS = ["set-check", "set-resim", "set-many", "set-raw", "fov", "max-frames", "speed",
                "unit", "variant"] + (["size", "unit-scale"] if os.environ.get("DISPLAY") else [])


@st.composite
def option_values(draw: st.DrawFn) -> tuple[str, list[tuple[str, str]], bool]:
    """An option kind, 1-3 (parameter name, value text) pairs, and the ``--opt=value`` form."""
    kind = draw(st.sampled_from(OPTION_KINDS))
    pairs = draw(st.lists(st.tuples(st.sampled_from(PARAM_NAMES), NUMBER_TEXT), min_size=1,
                          max_size=3 if kind == "set-many" else 1))
    return kind, pairs, draw(st.booleans())


def option_argv(kind: str, pairs: list[tuple[str, str]], joined: bool, files: dict[str, str]
                ) -> tuple[list[str], str]:
    """(argv, the option's name) of an option case on the shared good input files."""
    name, value = pairs[0]
    prefix, option = {
        "set-check": (["check", files["scenario"]], "--set"), "set-many": (["check", files["scenario"]], "--set"),
        "set-raw": (["check", files["scenario"]], "--set"), "set-resim": (["resim", files["rec"]], "--set"),
        "fov": (["track", files["image"]], "--fov"), "max-frames": (["track", files["image"]], "--max-frames"),
        "speed": (["replay", files["rec"], "--verify"], "--speed"), "unit": (["info", files["model"]], "--unit"),
        "variant": (["check", files["scenario"]], "--variant"),
        "size": (["render", files["model"], "--out", files["png"]], "--size"),
        "unit-scale": (["render", files["model"], "--out", files["png"]], "--unit-scale"),
    }[kind]
    if kind == "set-raw":
        values = [value]
    elif option == "--set":
        values = [f"{n}={v}" for n, v in pairs]
    else:
        values = [value]
    argv = list(prefix)
    for v in values:
        argv += [f"{option}={v}"] if joined else [option, v]
    return argv, option


def test_option_values_keep_the_promise(bench, recording):
    folder = bench.root / "options"
    folder.mkdir()
    shutil.copy(HANDS / "mp_gesture_victory.jpg", folder / "hand.jpg")
    base = recording.parent
    files = {"scenario": str(base / "scenario.yaml"), "rec": str(recording), "image": str(folder / "hand.jpg"),
             "model": str(base / "nested.glb"), "png": str(folder / "out.png")}
    cases = []
    for n, (kind, pairs, joined) in enumerate(examples(option_values(), 150)):
        argv, option = option_argv(kind, pairs, joined, files)
        names = [option, pairs[0][0], "scenario.yaml", "trial.mcap", "hand.jpg", "nested.glb", "out.png"]
        shown = pairs if option == "--set" else pairs[0][1]
        cases.append(Case(f"option-{n:03d}", "option", argv, [str(folder), str(base)], names,
                          note=f"{option} ({kind}): {short(shown)}"))
    bench.assert_kept(bench.run("option values", cases))


# ---------------------------------------------------------------- 5. track inputs ----

TRACK_IMAGES = [HANDS / "hands_two_hands_tfjs.jpg", HANDS / "mp_gesture_victory.jpg",
                FACES / "portrait_small_depth_tfjs.jpg", FACES / "business-person.png"]
VIDEO = HANDS / "asl_hand.25fps.mp4"


def _png_of_size(png: bytes, width: int, height: int) -> bytes:
    """A real PNG whose IHDR claims ``width`` x ``height`` (checksum fixed, so only the
    pixel budget can refuse it)."""
    ihdr = png[12:29]  # b"IHDR" + 13 bytes of fields
    fields = struct.pack(">II", width, height) + ihdr[12:]
    chunk = b"IHDR" + fields
    return png[:8] + struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk)) + png[33:]


def _jpeg_of_size(jpeg: bytes, width: int, height: int) -> bytes:
    """A real JPEG whose frame header (SOF0/SOF2) claims ``width`` x ``height``."""
    at = next(m.start() for m in re.finditer(rb"\xff[\xc0\xc2]", jpeg))
    return jpeg[:at + 5] + struct.pack(">HH", height, width) + jpeg[at + 9:]


def _gif_of_size(width: int, height: int) -> bytes:
    """A one-pixel GIF that declares a ``width`` x ``height`` screen and frame (FFmpeg reads
    GIFs as videos)."""
    return (b"GIF89a" + struct.pack("<HH", width, height) + b"\x80\x00\x00" + b"\x00\x00\x00\xff\xff\xff"
            + b"\x2c\x00\x00\x00\x00" + struct.pack("<HH", width, height) + b"\x00"
            + b"\x02\x02\x44\x01\x00\x3b")


def _bmp_of_size(width: int, height: int) -> bytes:
    header = struct.pack("<2sIHHI", b"BM", 54 + 16, 0, 0, 54)
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, 16, 2835, 2835, 0, 0)
    return header + info + bytes(16)


def track_sources(rng: random.Random) -> list[tuple[str, bytes | None, str]]:
    """(file name, content or None for a special file, how it was made) for ``track``."""
    out: list[tuple[str, bytes | None, str]] = []
    for image in TRACK_IMAGES:
        data = image.read_bytes()
        for fraction in (0.05, 0.5, 0.95):
            out.append((image.name, data[:int(len(data) * fraction)], f"{image.name} cut to {fraction:.0%}"))
        for _ in range(3):
            damaged, how = flip_bytes(data, rng)
            out.append((image.name, damaged, f"{image.name}: {how}"))
    jpeg, png = TRACK_IMAGES[1].read_bytes(), TRACK_IMAGES[3].read_bytes()
    out += [("huge.png", _png_of_size(png, 100_000, 100_000), "PNG header claiming 100000x100000"),
            ("wide.png", _png_of_size(png, 2**31 - 1, 1), "PNG header claiming 2147483647x1"),
            ("huge.jpg", _jpeg_of_size(jpeg, 65_000, 65_000), "JPEG header claiming 65000x65000"),
            ("huge.gif", _gif_of_size(65_535, 65_535), "GIF claiming 65535x65535"),
            ("huge.bmp", _bmp_of_size(60_000, 60_000), "BMP header claiming 60000x60000"),
            ("text.mp4", b"this is not a video\n" * 50, "text file as a video"),
            ("text.avi", b"RIFF\x00\x00\x00\x00AVI hello", "text file as an AVI"),
            ("text.jpg", b"not a photo", "text file as a JPEG"),
            ("noise.mp4", rng.randbytes(20_000), "random bytes as a video"),
            ("empty.mp4", b"", "empty video"), ("photo.mp4", jpeg, "a JPEG named .mp4"),
            ("video.jpg", VIDEO.read_bytes()[:200_000], "an MP4 (cut) named .jpg"),
            ("pipe.mp4", None, "a FIFO"), ("folder.mp4", None, "a folder"),
            ("zero.mp4", None, "a symlink to /dev/zero")]
    video = VIDEO.read_bytes()
    for fraction in (0.02, 0.1, 0.5, 0.9):
        out.append((VIDEO.name, video[:int(len(video) * fraction)], f"video cut to {fraction:.0%}"))
    for _ in range(4):
        damaged, how = flip_bytes(video, rng)
        out.append((VIDEO.name, damaged, f"video: {how}"))
    return out


def _special(path: Path) -> None:
    """Make the FIFO, folder or symlink a special track source is."""
    if path.name == "pipe.mp4":
        os.mkfifo(path)
    elif path.name == "folder.mp4":
        path.mkdir()
    else:
        path.symlink_to("/dev/zero")


def test_track_inputs_keep_the_promise(bench):
    cases = []
    for name, content, how in track_sources(random.Random(SEED)):
        case_id, folder = bench.folder("track")
        path = folder / name
        if content is None:
            _special(path)
        else:
            path.write_bytes(content)
        argv = ["track", str(path), "--json", "--max-frames", "60"]
        if name == VIDEO.name:
            argv.append("--no-face")
        cases.append(Case(case_id, "track", argv, [str(folder)], [name], note=how))
    cases.append(Case("track-dev-zero", "track", ["track", "/dev/zero"], [], ["/dev/zero"],
                      note="/dev/zero itself"))
    bench.assert_kept(bench.run("track inputs", cases))


# ---------------------------------------------------------------- the harness itself --


def test_the_harness_sees_outside_opens_hangs_and_exit_codes(bench):
    """The checks themselves work: a model opened outside the allowed folders is reported,
    an alarm ends a case that runs too long, and argparse's exit is an exit code. Last in
    the module: the timed-out worker is restarted (and warmed up again) only if needed."""
    model = bench.root / "warm" / "nested.glb"
    scenario = bench.root / "warm" / "scenario.yaml"
    opened, refused, slow = bench.pool.run([
        Case("sanity-open", "sanity", ["info", str(model)], [], ["nested.glb"]),
        Case("sanity-argparse", "sanity", ["track", "x.jpg", "--fov", "nan"], [], ["--fov"]),
        Case("sanity-hang", "sanity", ["check", str(scenario)], [str(model.parent)], [], timeout=0.01),
    ])
    assert opened.code == 0 and [Path(p).name for p in opened.outside] == ["nested.glb"]
    assert slow.timed_out and problems(slow)
    assert refused.code == 1 and not problems(refused) and "--fov" in refused.stderr
