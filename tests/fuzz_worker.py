"""Run many ``xrjig`` command lines in one long-lived, resource-limited process (fuzzing).

Why a worker: importing the app costs one to two seconds, so one process per fuzz case
would not fit the CI budget. ``python -m tests.fuzz_worker`` imports ``app.cli`` once,
caps its address space (``RLIMIT_AS``, lowered further for each case), installs an audit
hook that sees every ``open``, then reads cases (JSON lines) on stdin and answers one
JSON line per case on the pipe it was started with. Per case it captures file descriptors 1 and 2 (MediaPipe and
``xrjig track`` write to the descriptors, not to ``sys.stderr``), arms an alarm, and
reports: exit code, output, an exception that escaped ``main``, files opened outside
the allowed folders, peak memory and wall time.

The parent side (:class:`Worker`, :class:`Pool`) keeps one case in flight per worker,
so when a worker dies (a native crash, a hang in native code the alarm cannot interrupt)
the failing case is known; the worker is then restarted.
This module imports nothing of the app at import time: the test process stays light.
"""

from __future__ import annotations

import contextlib
import faulthandler
import json
import os
import queue
import resource
import shlex
import signal
import subprocess
import sys
import threading
import time
import traceback
import warnings
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parents[1]

#: Address space a case may add to what its worker already holds (RLIMIT_AS, lowered per
#: case); going over it is a MemoryError inside the app. The largest image the pixel
#: budget allows (8192 x 8192) is 256 MiB as RGBA: decoding and converting it fits, and
#: no good input in this suite comes near (the fuzz summary prints the peaks).
CASE_MEMORY = 1024**3
#: hard cap on a worker's address space: one that has run every command (MediaPipe, Qt and
#: Mesa loaded) holds about 3.2 GiB of mostly reserved address space
MEMORY_LIMIT = 8 * 1024**3
#: a case taking longer is a hang (SIGALRM in the worker)
CASE_TIMEOUT_S = 20
#: how much longer the parent waits before it kills a worker stuck in native code
KILL_GRACE_S = 15
#: how long a worker may take to import the app and run its warm-up command lines
STARTUP_TIMEOUT_S = 180
#: stdout/stderr kept per case (a hostile file can make a command print a lot)
KEEP_CHARS = 4000


# ---------------------------------------------------------------- the worker process --


class CaseTimeout(BaseException):
    """Raised by SIGALRM; a BaseException so an app's ``except Exception`` cannot hide it."""


def _system_roots() -> tuple[str, ...]:
    """Folders the app may legitimately read whatever the input: the Python install and
    the venv (imports, package data such as MediaPipe's models and Matplotlib's fonts) and
    the per-user caches and configs of libraries (Matplotlib, fontconfig, Qt). Deliberately
    NOT /etc, /proc, /tmp or any parent of a case's folder: a model reaching those is what
    the fuzz tests look for (after the warm-up, nothing else is opened: measured)."""
    import site
    import sysconfig

    home = Path.home()
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, *site.getsitepackages(),
             *sysconfig.get_paths().values(), str(home / ".matplotlib"),
             os.environ.get("XDG_CACHE_HOME", str(home / ".cache")),
             os.environ.get("XDG_CONFIG_HOME", str(home / ".config")),
             os.environ.get("MPLCONFIGDIR", "")}
    return tuple(sorted({os.path.realpath(r) + os.sep for r in roots if r}))


#: single files any command may open (the null device: MediaPipe's quiet stderr)
SYSTEM_FILES = frozenset({"/dev/null", "/dev/urandom"})


def _is_app_code(real: str) -> bool:
    """The project's own modules (lazy imports, source lines for warnings): code only, so a
    model reaching the sample files or tests/data under the same root still counts."""
    return real.startswith(str(ROOT) + os.sep) and real.endswith((".py", ".pyc"))


class OpenAudit:
    """Records every path opened while :attr:`active`; the audit hook cannot be removed,
    so it is switched on only around a case."""

    def __init__(self) -> None:
        self.active = False
        self.opened: list[str] = []

    def hook(self, event: str, args: tuple[Any, ...]) -> None:
        if self.active and event == "open" and args and isinstance(args[0], (str, bytes, os.PathLike)):
            self.opened.append(os.fsdecode(args[0]))

    def outside(self, allowed: Sequence[str], roots: Sequence[str]) -> list[str]:
        """The opened paths that, symlinks resolved, are in none of ``allowed`` + ``roots``."""
        inside = tuple(os.path.realpath(a) + os.sep for a in allowed) + tuple(roots)
        found = []
        for name in self.opened:
            real = os.path.realpath(name)
            if real in SYSTEM_FILES or (real + os.sep).startswith(inside) or _is_app_code(real):
                continue
            found.append(real if real == name else f"{name} -> {real}")
        return sorted(set(found))


class Capture:
    """Files descriptors 1 and 2 point into while a case runs, so native output (MediaPipe,
    Mesa) is caught too; opened once, before the audit hook is active."""

    def __init__(self, scratch: Path) -> None:
        self.files = {fd: open(scratch / f"fd{fd}.txt", "w+b") for fd in (1, 2)}
        self.saved = {fd: os.dup(fd) for fd in (1, 2)}

    @contextlib.contextmanager
    def active(self) -> Iterator[None]:
        for fd, f in self.files.items():
            f.seek(0)
            f.truncate()
            os.dup2(f.fileno(), fd)
        try:
            yield
        finally:
            for stream in (sys.stdout, sys.stderr):
                with contextlib.suppress(Exception):
                    stream.flush()
            for fd in self.files:
                os.dup2(self.saved[fd], fd)

    def text(self, fd: int) -> str:
        f = self.files[fd]
        f.seek(0)
        data = f.read()
        text = data.decode("utf-8", "replace")
        return text if len(text) <= KEEP_CHARS else text[:KEEP_CHARS // 2] + "\n[...]\n" + text[-KEEP_CHARS // 2:]


def _status_mb(key: str) -> float:
    """``VmHWM`` (peak resident set since the last :func:`_reset_peak`), ``VmPeak`` (peak
    address space) or ``VmSize`` (address space now, what RLIMIT_AS caps) in MiB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reset_peak() -> None:
    """Reset VmHWM so each case's peak is its own (Linux >= 4.0: clear_refs 5)."""
    with contextlib.suppress(OSError), open("/proc/self/clear_refs", "w") as f:
        f.write("5")


@contextlib.contextmanager
def _memory_budget(extra: int) -> Iterator[None]:
    """Lower the soft address-space limit to what the process holds now plus ``extra``
    (the hard limit stays, so it can be raised again afterwards)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    held = int(_status_mb("VmSize") * 1024 * 1024)
    resource.setrlimit(resource.RLIMIT_AS, (min(hard, held + extra), hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _on_alarm(signum: int, frame: Any) -> None:
    raise CaseTimeout


def _call_main(argv: list[str]) -> tuple[int | None, str | None]:
    """(exit code, traceback of an exception that escaped ``main``) of one command line."""
    from app.cli import main

    try:
        return int(main(argv) or 0), None
    except SystemExit as exit_:
        code = exit_.code
        return (code if isinstance(code, int) else (0 if code is None else 1)), None
    except CaseTimeout:
        raise
    except BaseException:  # noqa: BLE001 - any escape is the finding, reported not raised
        return None, traceback.format_exc()


class Runner:
    """The worker's state: the audit, the captured descriptors, the allowed system roots."""

    def __init__(self, scratch: Path) -> None:
        self.audit = OpenAudit()
        sys.addaudithook(self.audit.hook)
        self.capture = Capture(scratch)
        self.roots = _system_roots()
        self.home = os.getcwd()

    def run(self, case: dict[str, Any]) -> dict[str, Any]:
        """One case: argv run by ``app.cli.main`` in ``cwd``, at most ``timeout`` seconds,
        with at most :data:`CASE_MEMORY` more address space (warm-up runs: unaudited)."""
        os.chdir(case.get("cwd") or self.home)
        audited = not case.get("warmup", False)
        _reset_peak()
        self.audit.opened.clear()
        timed_out, code, escaped = False, None, None
        start = time.perf_counter()
        # catch_warnings: the process's default filters (as in a fresh ``xrjig``), and each
        # case sees "once per location" warnings again (entering it resets the registries)
        with self.capture.active(), warnings.catch_warnings(), _memory_budget(CASE_MEMORY):
            signal.setitimer(signal.ITIMER_REAL, float(case.get("timeout", CASE_TIMEOUT_S)))
            self.audit.active = audited
            try:
                code, escaped = _call_main(list(case["argv"]))
            except CaseTimeout:
                timed_out = True
            finally:
                self.audit.active = False
                signal.setitimer(signal.ITIMER_REAL, 0)
        return {"id": case["id"], "code": code, "escaped": escaped, "timed_out": timed_out,
                "stdout": self.capture.text(1), "stderr": self.capture.text(2),
                "outside": self.audit.outside(case.get("allowed", []), self.roots),
                "peak_rss_mb": round(_status_mb("VmHWM"), 1),
                "vm_peak_mb": round(_status_mb("VmPeak"), 1),
                "seconds": round(time.perf_counter() - start, 3)}


def _warm_up() -> None:
    """Import every command once, so the first case of each kind pays no import time."""
    import importlib

    import app.cli

    for name in app.cli.COMMANDS:
        if name != "devices":
            importlib.import_module(f"app.commands.{name}")


def serve(scratch: Path, memory_limit: int) -> None:
    """The worker's loop: one JSON case per stdin line, one JSON result per line on the
    original stdout (descriptors 1 and 2 are the capture files while a case runs)."""
    resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    faulthandler.enable()  # a native crash prints a Python stack into the case's stderr
    signal.signal(signal.SIGALRM, _on_alarm)
    results = os.fdopen(os.dup(1), "w", buffering=1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # stray prints between cases must not corrupt the protocol
    _warm_up()
    runner = Runner(scratch)
    results.write(json.dumps({"ready": True, "pid": os.getpid()}) + "\n")
    for line in sys.stdin:
        if line.strip():
            results.write(json.dumps(runner.run(json.loads(line))) + "\n")


# ---------------------------------------------------------------- the parent side --


@dataclass
class Case:
    """One command line to fuzz. ``allowed``: folders it may open files in; ``names``: the
    words one of which an error or warning line must contain (the file's name, an option);
    ``kind``: the input class, for the summary; ``note``: how the input was made."""

    id: str
    kind: str
    argv: list[str]
    allowed: list[str]
    names: list[str]
    note: str = ""
    cwd: str | None = None
    timeout: float = CASE_TIMEOUT_S
    #: a recording known to differ from a good one: ``replay --verify`` must not be silent
    damaged: bool = False


@dataclass
class Outcome:
    """What the worker reported for a case (``crash``: why the worker died instead)."""

    case: Case
    code: int | None = None
    escaped: str | None = None
    timed_out: bool = False
    stdout: str = ""
    stderr: str = ""
    outside: list[str] = field(default_factory=list)
    peak_rss_mb: float = 0.0
    vm_peak_mb: float = 0.0
    seconds: float = 0.0
    crash: str | None = None

    def reproducer(self) -> str:
        """A shell line that runs the case again outside the fuzz suite."""
        return ".venv/bin/xrjig " + " ".join(shlex.quote(a) for a in self.case.argv)


class Worker:
    """One ``python -m tests.fuzz_worker`` process and the thread reading its answers.
    ``warmup``: command lines run unaudited when it starts, so that the lazy imports of
    each command (MediaPipe probes /tmp while importing) are not charged to a case."""

    def __init__(self, scratch: Path, warmup: Sequence[Sequence[str]] = (),
                 memory_limit: int = MEMORY_LIMIT) -> None:
        self.scratch, self.warmup, self.memory_limit = scratch, warmup, memory_limit
        self.proc: subprocess.Popen[str] | None = None
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.starts = 0

    def start(self) -> None:
        self.scratch.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
        with open(self.scratch / "worker.log", "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "tests.fuzz_worker", str(self.scratch), str(self.memory_limit)],
                cwd=ROOT, env=env, text=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
            )
        self.starts += 1
        self.lines = queue.Queue()
        threading.Thread(target=self._read, args=(self.proc.stdout, self.lines), daemon=True).start()
        if self._answer(STARTUP_TIMEOUT_S) is None:
            self._bury()
            raise RuntimeError(f"fuzz worker did not start: {self._log_tail()}")
        for n, argv in enumerate(self.warmup):
            self._send({"id": f"warmup{n}", "argv": list(argv), "warmup": True})
            if self._answer(STARTUP_TIMEOUT_S) is None:
                self._bury()
                raise RuntimeError(f"fuzz worker failed warming up with {argv}: {self._log_tail()}")

    def _answer(self, timeout: float) -> str | None:
        """The worker's next line, or None if it ended or said nothing for ``timeout`` s."""
        try:
            return self.lines.get(timeout=timeout)
        except queue.Empty:
            return None

    @staticmethod
    def _read(stream: IO[str], lines: queue.Queue[str | None]) -> None:
        for line in stream:
            lines.put(line)
        lines.put(None)

    def _log_tail(self) -> str:
        with contextlib.suppress(OSError):
            return (self.scratch / "worker.log").read_text(errors="replace")[-2000:]
        return ""

    def _send(self, wire: dict[str, Any]) -> None:
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(wire) + "\n")
        self.proc.stdin.flush()

    def run(self, case: Case) -> Outcome:
        """Send one case and wait for its answer; a worker that died or hung is killed (the
        case gets the reason as ``crash``) and started again for the next case, as is one
        whose case timed out (the alarm may have left the app's state half-built)."""
        if self.proc is None or self.proc.poll() is not None:
            self.start()
        try:
            self._send({"id": case.id, "argv": case.argv, "allowed": case.allowed,
                        "cwd": case.cwd, "timeout": case.timeout})
            line = self._answer(case.timeout + KILL_GRACE_S)
        except BrokenPipeError:
            line = None
        if line is None:
            return Outcome(case, crash=self._bury())
        answer = json.loads(line)
        answer.pop("id", None)
        outcome = Outcome(case, **answer)
        if outcome.timed_out:
            self.close()
        return outcome

    def _bury(self) -> str:
        """Kill a dead or hung worker; say how it ended (with the captured stderr tail)."""
        assert self.proc is not None
        try:
            code, hung = self.proc.wait(timeout=1), False  # it died (its pipe closes first)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code, hung = self.proc.wait(), True
        self.proc = None
        err = ""
        with contextlib.suppress(OSError):  # what the case wrote to fd 2 (faulthandler's stack)
            err = (self.scratch / "fd2.txt").read_bytes()[-1500:].decode("utf-8", "replace").strip()
        how = "hung in native code (killed)" if hung else f"worker died with exit status {code}"
        return f"{how}; stderr tail: {err}" if err else how

    def close(self) -> None:
        """End the worker: end of input, then a kill if it has not left within 2 s (an
        interpreter holding MediaPipe graphs and a GL context is slow to shut down)."""
        if self.proc is not None and self.proc.poll() is None:
            assert self.proc.stdin is not None
            with contextlib.suppress(BrokenPipeError):
                self.proc.stdin.close()
            try:
                self.proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


class Pool:
    """Workers kept for a whole test module; :meth:`run` spreads cases over them."""

    def __init__(self, scratch: Path, workers: int = 2, warmup: Sequence[Sequence[str]] = ()) -> None:
        self.workers = [Worker(scratch / f"worker{n}", warmup) for n in range(max(1, workers))]

    def run(self, cases: Iterable[Case]) -> list[Outcome]:
        """Outcomes of ``cases``, in their order; one thread per worker feeds it cases."""
        todo = list(cases)
        jobs: queue.Queue[int] = queue.Queue()
        for i in range(len(todo)):
            jobs.put(i)
        outcomes: list[Outcome | None] = [None] * len(todo)
        errors: list[BaseException] = []

        def drive(worker: Worker) -> None:
            try:
                while True:
                    try:
                        i = jobs.get_nowait()
                    except queue.Empty:
                        return
                    outcomes[i] = worker.run(todo[i])
            except BaseException as err:  # noqa: BLE001 - re-raised in the caller's thread
                errors.append(err)

        threads = [threading.Thread(target=drive, args=(w,)) for w in self.workers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            raise errors[0]
        return [o for o in outcomes if o is not None]

    def close(self) -> None:
        for worker in self.workers:
            worker.close()


if __name__ == "__main__":
    serve(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else MEMORY_LIMIT)
