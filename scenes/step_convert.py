"""STEP -> GLB in a worker process, with limits, progress and cancel; results cached.

:func:`convert_step` is what :func:`scenes.loader.load_scene` calls for a .step / .stp
file, and what the window calls from a thread of its own to show progress and offer
Cancel:

    cancel = threading.Event()                        # the Cancel button sets it
    result = convert_step(path, quality="fine", progress=callback, cancel=cancel)
    scene = load_scene(path, quality="fine")          # now a cache hit (or pass both
                                                      # callbacks to load_scene itself)
    is_converted(path, "fine")                        # True: opening it will not wait

``progress`` is called on the calling thread with a :class:`Progress` at each stage and
about four times a second while Open CASCADE works (it reports nothing itself, so there
is no fraction: an elapsed time). A set ``cancel`` kills the worker within ~50 ms and
raises :class:`ConversionCancelled` (a SceneError, so callers that do not care treat it
as any failure). Every failure is a SceneError naming the file: a file that is empty,
not STEP, cut short or without shapes; a worker that crossed its memory, time or output
limit, crashed, or could not start.

The first conversion in a process pays the worker's start (~0.2 s: Python, NumPy and
cascadio's compiled module); :func:`prestart_worker` starts one ahead (the window calls
it at start-up), and each conversion then leaves a fresh spare behind. A spare holds no
job and exits when its pipe closes, so none outlives the app.
"""

from __future__ import annotations

import atexit
import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import scenes
from scenes import step_cache
from scenes.gltf_container import MAX_FILE_BYTES
from scenes.model import SceneError
from scenes.step_quality import Quality, parse_quality

STEP_SUFFIXES: tuple[str, ...] = (".step", ".stp")
#: how often the wait loop looks at the worker (cancel, limits, its memory)
POLL_S = 0.05
PROGRESS_EVERY_S = 0.25
#: a worker that died with a signal after using this share of its address-space limit
#: ran out of memory (Open CASCADE does not survive a failed allocation)
MEMORY_SHARE = 0.7


def default_memory_bytes() -> int:
    """Address space a conversion may use: half the machine's memory, at most 8 GiB."""
    try:
        physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        physical = 8 * 1024**3
    return int(min(8 * 1024**3, max(physical // 2, 1024**3)))


@dataclass(frozen=True)
class Limits:
    """What one conversion may take: wall-clock seconds and address space (bytes)."""

    seconds: float = 600.0
    memory_bytes: int = 0  # 0: default_memory_bytes()

    def memory(self) -> int:
        return self.memory_bytes or default_memory_bytes()


@dataclass(frozen=True)
class Progress:
    """Where a conversion is: ``stage`` is "hashing", "starting", "converting" (Open
    CASCADE reading and meshing), "finishing" (names, axes, writing) or "cached"."""

    path: Path
    stage: str
    elapsed_s: float

    @property
    def text(self) -> str:
        what = {"hashing": "checking the cache", "starting": "starting the converter",
                "converting": "reading and meshing", "finishing": "naming parts, finding axes",
                "cached": "converted before"}.get(self.stage, self.stage)
        return f"Converting {self.path.name}: {what} ({self.elapsed_s:.0f} s)"


@dataclass(frozen=True)
class Converted:
    """A finished conversion: the cached GLB, and whether it came from the cache."""

    glb: Path
    cached: bool
    quality: Quality
    seconds: float


class CancelToken(Protocol):
    """Anything with ``is_set()``: a threading.Event is one."""

    def is_set(self) -> bool: ...


class ConversionCancelled(SceneError):
    """The user cancelled the conversion (not a fault of the file)."""


ProgressCallback = Callable[[Progress], None]


def convert_step(path: str | Path, *, quality: str | Quality | None = None,
                 limits: Limits | None = None, progress: ProgressCallback | None = None,
                 cancel: CancelToken | None = None) -> Converted:
    """The STEP file converted to a GLB (see the module doc): from the cache when it was
    converted before at this quality, else by a worker process under ``limits``."""
    path = Path(path)
    start = time.perf_counter()
    try:
        chosen = parse_quality(quality)
    except ValueError as err:
        raise SceneError(path, str(err)) from None
    limits = limits or Limits()

    def tell(stage: str) -> None:
        if progress is not None:
            progress(Progress(path, stage, time.perf_counter() - start))

    before = _check_size(path)
    tell("hashing")
    try:
        key = step_cache.entry_key(step_cache.source_hash(path), chosen)
    except OSError as err:
        raise SceneError(path, f"cannot be read ({err.strerror or err})") from None
    hit = step_cache.lookup(key)
    if hit is not None:
        tell("cached")
        return Converted(hit, True, chosen, time.perf_counter() - start)
    _check_header(path)
    folder = _cache_step(path, step_cache.job_folder)
    try:
        model = _run_worker(path, folder, chosen, limits, tell, cancel, start)
        if _stat_or_none(path) != before:
            raise SceneError(path, "the file changed while it was being converted; open it again")
        glb = _cache_step(path, lambda: step_cache.store(key, model))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        _replenish()
    return Converted(glb, False, chosen, time.perf_counter() - start)


def is_converted(path: str | Path, quality: str | Quality | None = None) -> bool:
    """Whether opening ``path`` at ``quality`` is a cache hit (no worker, no wait): for a
    window deciding whether to show progress. Reads the file only the first time it is
    seen in its current state (see step_cache.source_hash)."""
    try:
        key = step_cache.entry_key(step_cache.source_hash(Path(path)), parse_quality(quality))
    except (OSError, ValueError):
        return False
    return (step_cache.cache_dir() / f"{key}.glb").is_file()


def _cache_step(path: Path, step: Callable[[], Path]) -> Path:
    """A cache operation, its file system refusal one SceneError (a read-only home)."""
    try:
        return step()
    except OSError as err:
        raise SceneError(path, f"cannot use the conversion cache {step_cache.cache_dir()} "
                               f"({err.strerror or err})") from None


def _stat(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns


def _stat_or_none(path: Path) -> tuple[int, int] | None:
    try:
        return _stat(path)
    except OSError:
        return None


def _check_size(path: Path) -> tuple[int, int]:
    """Refuse, before reading it, a file that is missing, empty or too big; its state."""
    try:
        if not path.is_file():
            raise SceneError(path, "no such file")
        size, mtime = _stat(path)
    except OSError as err:
        raise SceneError(path, f"cannot be read ({err.strerror or err})") from None
    if size == 0:
        raise SceneError(path, "file is empty")
    if size > MAX_FILE_BYTES:
        raise SceneError(path, f"file is {size} bytes, over the {MAX_FILE_BYTES} byte limit")
    return size, mtime


def _check_header(path: Path) -> None:
    """Refuse what is plainly not STEP without starting a worker."""
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
    except OSError as err:
        raise SceneError(path, f"cannot be read ({err.strerror or err})") from None
    if not head.lstrip(b"\xef\xbb\xbf \t\r\n").upper().startswith(b"ISO-10303-21"):
        raise SceneError(path, "not a STEP file (a STEP file starts with ISO-10303-21;)")


# -- the worker ---------------------------------------------------------------------------
_lock = threading.Lock()
_spare: subprocess.Popen[bytes] | None = None
_keep_spare = False


def _spawn() -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    root = str(Path(scenes.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join([root, *filter(None, [env.get("PYTHONPATH")])])
    # thread pools reserve address space per thread, which RLIMIT_AS counts: one malloc
    # arena per CPU (glibc's default is 8), no BLAS threads (the worker does no algebra)
    env.update(MALLOC_ARENA_MAX=str(max(2, os.cpu_count() or 2)), OPENBLAS_NUM_THREADS="1",
               OMP_NUM_THREADS="1")
    return subprocess.Popen([sys.executable, "-m", "scenes.step_worker"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)


def prestart_worker() -> None:
    """Start a worker ahead of the first conversion, and keep one spare after each."""
    global _spare, _keep_spare
    with _lock:
        _keep_spare = True
        if _spare is None or _spare.poll() is not None:
            _spare = _spawn()


def _take() -> subprocess.Popen[bytes]:
    global _spare
    with _lock:
        proc, _spare = _spare, None
    if proc is not None and proc.poll() is None:
        return proc
    return _spawn()


def _replenish() -> None:
    if _keep_spare:
        prestart_worker()


def shutdown_workers() -> None:
    """End the spare worker (it holds no job); called at exit."""
    global _spare, _keep_spare
    with _lock:
        proc, _spare, _keep_spare = _spare, None, False
    if proc is not None:
        _end(proc)


atexit.register(shutdown_workers)


def _end(proc: subprocess.Popen[bytes]) -> None:
    for stream in (proc.stdin, proc.stdout):
        if stream is not None:
            try:
                stream.close()
            except OSError:
                pass
    try:
        proc.wait(timeout=1.0)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _run_worker(path: Path, folder: Path, quality: Quality, limits: Limits,
                tell: Callable[[str], None], cancel: CancelToken | None, start: float) -> Path:
    """Run one job in a worker and wait for it (see the module doc); the model's path."""
    tell("starting")
    memory = limits.memory()
    job = {"step": str(path.resolve()), "folder": str(folder), "linear_mm": quality.linear_mm,
           "angular_rad": quality.angular_rad, "memory_bytes": memory,
           "cpu_seconds": int(limits.seconds * max(os.cpu_count() or 1, 1) + 10),
           "max_output_bytes": MAX_FILE_BYTES + 1024**2,
           "source": {"name": path.name, "quality": quality.label, "linear_mm": quality.linear_mm,
                      "converter": step_cache.converter_version()}}
    proc = _take()
    assert proc.stdin is not None and proc.stdout is not None
    watch = _Watch(proc)
    try:
        proc.stdin.write((json.dumps(job) + "\n").encode())
        proc.stdin.flush()
    except OSError:
        pass  # a worker that died at start: reported below from its exit
    try:
        last_tell = time.perf_counter()
        stage = "starting"
        while True:
            for message in watch.messages(POLL_S):
                if message.get("memory"):  # a MemoryError in the worker's Python
                    raise SceneError(path, _death(None, memory, memory))
                if "error" in message:
                    raise SceneError(path, _one_line(message["error"]))
                if "done" in message:
                    return folder / "model.glb"
                if message.get("stage") not in (None, "ready"):
                    stage = str(message["stage"])
                    tell(stage)
                    last_tell = time.perf_counter()
            if cancel is not None and cancel.is_set():
                raise ConversionCancelled(path, "conversion cancelled")
            if watch.ended():
                raise SceneError(path, _death(proc.returncode, watch.peak, memory, _log_tail(folder)))
            now = time.perf_counter()
            if now - start > limits.seconds:
                raise SceneError(path, f"the conversion took longer than its limit of "
                                       f"{limits.seconds:g} s; try a coarser quality")
            if now - last_tell >= PROGRESS_EVERY_S:
                tell(stage)
                last_tell = now
    finally:
        watch.selector.close()
        if proc.poll() is None:
            proc.kill()
        _end(proc)


class _Watch:
    """The worker's JSON lines, read without blocking; its address-space peak, sampled."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        self.proc = proc
        self.buffer = b""
        self.peak = 0
        self.eof = False
        self.selector = selectors.DefaultSelector()
        assert proc.stdout is not None
        self.selector.register(proc.stdout, selectors.EVENT_READ)

    def messages(self, timeout: float) -> list[dict]:
        self._sample()
        out = []
        if not self.eof and self.selector.select(timeout):
            assert self.proc.stdout is not None
            chunk = os.read(self.proc.stdout.fileno(), 65536)
            if not chunk:
                self.eof = True
            *lines, self.buffer = (self.buffer + chunk).split(b"\n")
            self.buffer = self.buffer[-1024**2:]  # our worker's lines are short
            for line in lines:
                try:
                    message = json.loads(line)
                except ValueError:
                    continue
                if isinstance(message, dict):
                    out.append(message)
        elif self.eof:
            time.sleep(timeout)
        return out

    def ended(self) -> bool:
        return self.eof and self.proc.poll() is not None

    def _sample(self) -> None:
        """VmPeak from /proc (Linux): how close the worker came to its memory limit."""
        try:
            with open(f"/proc/{self.proc.pid}/status", "rb") as f:
                for line in f:
                    if line.startswith(b"VmPeak:"):
                        self.peak = max(self.peak, int(line.split()[1]) * 1024)
                        break
        except (OSError, ValueError):
            pass


def _death(code: int | None, peak: int, memory: int, log: str = "") -> str:
    """Why a worker ended without an answer, in one sentence. Out of memory shows as a
    crash (Open CASCADE), glibc's abort with exit code 127 ("cannot allocate memory for
    thread-local data"), or the kernel's SIGKILL: told apart from other crashes by how
    close the worker came to its limit, or by what it said last."""
    gib = f"{memory / 1024**3:.3g} GiB" if memory >= 1024**3 else f"{memory / 1024**2:.0f} MiB"
    sig = -code if code is not None and code < 0 else None
    if sig == signal.SIGXCPU:
        return "the conversion used up its CPU time limit; try a coarser quality"
    if sig == signal.SIGXFSZ:
        return f"the converted model would be larger than {MAX_FILE_BYTES} bytes; try a coarser quality"
    if peak >= MEMORY_SHARE * memory or sig == signal.SIGKILL or any(
            words in log for words in ("cannot allocate memory", "bad_alloc", "out of memory", "MemoryError")):
        return f"the conversion ran out of its {gib} memory limit; try a coarser quality"
    if sig is not None:
        name = signal.Signals(sig).name if sig in signal.valid_signals() else str(sig)
        return (f"Open CASCADE crashed on this file ({name}, at {peak / 1024**2:.0f} MiB of its "
                f"{gib} limit): it may be damaged or hostile")
    return f"the STEP converter stopped without an answer (exit code {code})"


def _log_tail(folder: Path) -> str:
    """The last few KiB of what the worker and Open CASCADE printed."""
    try:
        with open(folder / "occt.log", "rb") as f:
            f.seek(max(0, f.seek(0, 2) - 4096))
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


def _one_line(text: object) -> str:
    return " ".join(str(text).split())[:500]
