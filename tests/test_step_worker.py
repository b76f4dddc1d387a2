"""Bad STEP input and the converter's limits: one line naming the file and the problem,
exit code 1, never a traceback, a hang or an unbounded allocation in the app's process.

Open CASCADE runs in a worker process (scenes/step_convert.py); these tests drive it
into its failure modes -- malformed files, its memory and time limits, a cancel -- with
small limits, so each takes about a second."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from app.cli import main
from scenes.loader import load_scene
from scenes.model import SceneError
from scenes.step_convert import ConversionCancelled, Limits, _death, convert_step, shutdown_workers
from scenes.step_worker import parse_failure
from tests.conftest import AS1_STEP, PM4_STEP


@pytest.fixture(autouse=True)
def _no_spare_worker():
    """No spare converter waiting (the window keeps one after File ▸ Open's dialog, and a
    window test may have asked for it): these tests count this process's children."""
    shutdown_workers()
    yield
    shutdown_workers()

ROOT = Path(__file__).resolve().parents[1]
HEADER = (b"ISO-10303-21;\nHEADER;\nFILE_DESCRIPTION((''),'2;1');\n"
          b"FILE_NAME('x','2020-01-01T00:00:00',(''),(''),'','','');\n"
          b"FILE_SCHEMA(('AUTOMOTIVE_DESIGN { 1 0 10303 214 1 1 1 1 }'));\nENDSEC;\nDATA;\n")


def _cases(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """name -> (file, what its one line must say)."""
    data = AS1_STEP.read_bytes()
    files = {
        "truncated": (data[:300_000], "cut short (line 5781"),
        "garbage": (os.urandom(20_000).replace(b"ISO", b"iso"), "not a STEP file"),
        "empty": (b"", "file is empty"),
        "no shapes": (HEADER + b"#1 = APPLICATION_CONTEXT('x');\n#2 = PRODUCT_CONTEXT('',#1,'m');\n"
                      b"#3 = PRODUCT('p','p','',(#2));\nENDSEC;\nEND-ISO-10303-21;\n", "no shapes"),
        "garbage after a header": (HEADER + os.urandom(5000).replace(b"'", b"x"), "not readable as STEP (line"),
    }
    out = {}
    for name, (content, expected) in files.items():
        path = tmp_path / (name.replace(" ", "_") + ".stp")
        path.write_bytes(content)
        out[name] = (path, expected)
    return out


CASES = ["truncated", "garbage", "empty", "no shapes", "garbage after a header"]


@pytest.mark.parametrize("case", CASES)
def test_malformed_step_is_one_scene_error(tmp_path, case):
    path, expected = _cases(tmp_path)[case]
    with pytest.raises(SceneError) as err:
        load_scene(path)
    text = str(err.value)
    assert text.startswith(f"{path}: ") and expected in text, text
    assert "\n" not in text and "Traceback" not in text


@pytest.mark.parametrize("case", CASES)
def test_malformed_step_on_every_command_is_one_line_exit_1(tmp_path, capsys, case):
    path, expected = _cases(tmp_path)[case]
    for argv in (["info", str(path)], ["check", str(path)], ["convert", str(path), str(tmp_path / "o.glb")]):
        assert main(argv) == 1, argv
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith(f"xrjig: {path}: ") and expected in err, (argv, err)
    assert not (tmp_path / "o.glb").exists()


def test_malformed_step_in_a_real_process_prints_no_traceback(tmp_path):
    path, _ = _cases(tmp_path)["truncated"]
    run = subprocess.run([sys.executable, "-m", "app", "info", str(path)], capture_output=True, text=True,
                         cwd=ROOT, timeout=120)
    assert run.returncode == 1
    assert run.stderr.count("\n") == 1 and "cut short" in run.stderr and "Traceback" not in run.stderr
    assert run.stdout == ""


def test_memory_limit_ends_the_worker_not_the_app():
    """PM4 at a fine quality needs more than 250 MiB (the idle worker holds ~190 MiB of
    address space): the worker dies, the app says why, and this process's own peak stays
    where it was."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(SceneError, match=r"ran out of its 250 MiB memory limit; try a coarser quality"):
        convert_step(PM4_STEP, quality="0.005,5", limits=Limits(memory_bytes=250 * 1024**2))
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50 * 1024  # KiB


def test_time_limit_ends_the_worker():
    before = _children()
    start = time.perf_counter()
    with pytest.raises(SceneError, match=r"took longer than its limit of 0.5 s"):
        convert_step(PM4_STEP, quality="0.005,5", limits=Limits(seconds=0.5))
    assert time.perf_counter() - start < 3.0
    assert _children() == before


def test_cancel_kills_the_worker_promptly():
    before = _children()
    cancel = threading.Event()
    seen: list[str] = []
    cancelled_at: list[float] = []

    def progress(p):  # type: ignore[no-untyped-def]
        seen.append(p.stage)
        if p.stage == "converting" and not cancel.is_set():
            cancel.set()
            cancelled_at.append(time.perf_counter())

    with pytest.raises(ConversionCancelled, match="conversion cancelled"):
        convert_step(PM4_STEP, quality="0.005,5", progress=progress, cancel=cancel)
    assert time.perf_counter() - cancelled_at[0] < 1.0
    stages = [s for k, s in enumerate(seen) if k == 0 or seen[k - 1] != s]  # repeats tell the time
    assert stages == ["hashing", "starting", "converting"]
    assert _children() == before


def test_hostile_step_ends_in_one_line_within_its_limits(tmp_path):
    """Self-referencing and absurdly nested entities: Open CASCADE refuses, crashes or runs
    out of its limits; whichever, one sentence and no hang."""
    nested = HEADER + b"#1 = PRODUCT(" + b"(" * 200_000 + b")" * 200_000 + b");\nENDSEC;\nEND-ISO-10303-21;\n"
    cycle = HEADER + (b"#1 = SHAPE_REPRESENTATION('',(#2),#2);\n#2 = SHAPE_REPRESENTATION('',(#1),#1);\n"
                      b"#3 = SHAPE_DEFINITION_REPRESENTATION(#1,#2);\nENDSEC;\nEND-ISO-10303-21;\n")
    for name, content in (("nested.stp", nested), ("cycle.stp", cycle)):
        path = tmp_path / name
        path.write_bytes(content)
        start = time.perf_counter()
        with pytest.raises(SceneError) as err:
            convert_step(path, limits=Limits(seconds=20, memory_bytes=1024**3))
        assert str(err.value).startswith(f"{path}: ") and "\n" not in str(err.value)
        assert time.perf_counter() - start < 25


def test_a_worker_death_is_named():
    gib = 4 * 1024**3
    assert "ran out of its 4 GiB memory limit" in _death(-signal.SIGSEGV, int(0.9 * gib), gib)
    assert "crashed on this file (SIGSEGV, at 100 MiB" in _death(-signal.SIGSEGV, 100 * 1024**2, gib)
    assert "CPU time limit" in _death(-signal.SIGXCPU, 0, gib)
    assert "larger than" in _death(-signal.SIGXFSZ, 0, gib)
    assert "without an answer (exit code 1)" in _death(1, 0, gib)
    thread_data = "cannot allocate memory for thread-local data: ABORT"  # glibc, exit code 127
    assert "ran out of its 4 GiB memory limit" in _death(127, 0, gib, thread_data)


def test_parse_failure_reads_open_cascade_messages(tmp_path):
    log = tmp_path / "occt.log"
    log.write_text("\x1b[31;1m**** ERR StepFile : Undefined Parsing: Line 12: Incorrect syntax: "
                   "unexpected TYPE, expecting STEP    ****\x1b[0m\nError: Failed to read STEP data\n")
    assert parse_failure(log) == "not readable as STEP (line 12: unexpected TYPE, expecting STEP)"
    log.write_text("Error: Failed to transfer STEP data\n")
    assert "no shapes" in parse_failure(log)
    assert parse_failure(tmp_path / "missing.log") == "Open CASCADE could not read it as STEP"


def _children() -> list[int]:
    """Live (not zombie) child processes of this process (pytest-xvfb's X server is one)."""
    out = []
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        try:
            pids = (task / "children").read_text().split()
        except OSError:
            continue
        for pid in pids:
            try:
                state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if state != "Z":
                out.append(int(pid))
    return out
