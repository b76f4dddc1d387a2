"""The STEP converter's worker process: ``python -m scenes.step_worker``.

Open CASCADE is native code reading untrusted files, and on a hostile or merely huge one
it can crash, allocate without bound or run for hours; none of that may happen in the
app. So a conversion runs here, in a process of its own that can be killed, under
limits the parent chooses:

- address space (``RLIMIT_AS``): past it an allocation fails and Open CASCADE dies
  (a segmentation fault, not an exception), which the parent reports as memory;
- CPU seconds (``RLIMIT_CPU``), a backstop should the parent die: its own wall-clock
  timeout is what normally ends a long conversion;
- the size of files written (``RLIMIT_FSIZE``): no GLB past the loader's 2 GB limit;
- no core dumps.

Protocol: the worker imports what it needs first (so a spare started ahead of time
answers at once), then reads one JSON job line on stdin and writes JSON lines on the
stdout it was started with: ``{"stage": ...}`` as it goes, then ``{"done": {...}}`` or
``{"error": "one sentence"}``, and exits. Open CASCADE's own messages (and a Python
traceback, should the worker itself fail) go to ``occt.log`` in the job's folder; the
parent quotes its parse errors ("line 5781: unexpected end of file"). cascadio is
loaded from its compiled module alone: its package also imports trimesh (0.6 s of the
start-up this process exists to keep short).
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import json
import os
import re
import resource
import sys
import traceback
from pathlib import Path
from types import ModuleType
from typing import IO, Any

from scenes.model import SceneError
from scenes.step_post import post_process

#: files the worker writes into the job folder
RAW_NAME, MODEL_NAME, LOG_NAME = "raw.glb", "model.glb", "occt.log"
#: Open CASCADE's parse error: "**** ERR StepFile : Undefined Parsing: Line 5781: Incorrect
#: syntax: unexpected end of file, expecting '('    ****"
_PARSE_ERROR = re.compile(r"Line (\d+): (?:Incorrect syntax: )?([^*\n]*?)\s*\*\*\*\*")
_NO_TRANSFER = "Failed to transfer STEP data"


def load_cascadio() -> ModuleType:
    """cascadio's compiled module (``cascadio._core``) without its package's imports.
    Registered under its own name: a later ``import cascadio`` (trimesh does it) must
    reuse it, as nanobind aborts the process when a module's types register twice."""
    if "cascadio._core" in sys.modules:
        return sys.modules["cascadio._core"]
    spec = importlib.util.find_spec("cascadio")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("cascadio is not installed (pip install cascadio)")
    folder = Path(list(spec.submodule_search_locations)[0])
    suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)
    found = sorted(p for p in folder.iterdir() if p.name.startswith("_core.") and p.name.endswith(suffixes))
    if not found:
        raise ImportError(f"cascadio's compiled module is missing in {folder}")
    loader = importlib.machinery.ExtensionFileLoader("cascadio._core", str(found[0]))
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader("cascadio._core", loader))
    loader.exec_module(module)
    sys.modules["cascadio._core"] = module
    return module


def _limit(kind: int, value: int) -> None:
    """Lower a resource limit to ``value`` (never above the hard limit inherited)."""
    soft, hard = resource.getrlimit(kind)
    value = value if hard == resource.RLIM_INFINITY else min(value, hard)
    resource.setrlimit(kind, (value, hard))


def _send(out: IO[str], **message: Any) -> None:
    out.write(json.dumps(message) + "\n")
    out.flush()


def parse_failure(log: Path) -> str:
    """One sentence for a conversion cascadio refused, from Open CASCADE's messages."""
    try:
        with open(log, "rb") as f:
            f.seek(max(0, f.seek(0, 2) - 16384))
            text = re.sub(r"\x1b\[[0-9;]*m", "", f.read().decode("utf-8", "replace"))
    except OSError:
        text = ""
    match = _PARSE_ERROR.search(text)
    if match:
        where, what = match[1], match[2].strip().rstrip(",")
        if "end of file" in what:
            return f"the STEP data is cut short (line {where}: {what}): a truncated or damaged file"
        return f"not readable as STEP (line {where}: {what or 'a syntax error'})"
    if _NO_TRANSFER in text:
        return "the file holds no shapes Open CASCADE can read (no solid, shell or surface)"
    return "Open CASCADE could not read it as STEP"


def run_job(job: dict[str, Any], core: ModuleType, out: IO[str]) -> None:
    """One conversion (see the module doc); messages on ``out``."""
    folder = Path(job["folder"])
    step = Path(job["step"])
    _limit(resource.RLIMIT_CORE, 0)
    _limit(resource.RLIMIT_AS, int(job["memory_bytes"]))
    _limit(resource.RLIMIT_CPU, int(job["cpu_seconds"]))
    _limit(resource.RLIMIT_FSIZE, int(job["max_output_bytes"]))
    log_fd = os.open(folder / LOG_NAME, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(log_fd, 1)  # Open CASCADE prints to the descriptors
    os.dup2(log_fd, 2)
    os.close(log_fd)
    _send(out, stage="converting")
    status = core.step_to_glb(
        str(step), str(folder / RAW_NAME),
        tol_linear=float(job["linear_mm"]), tol_angular=float(job["angular_rad"]),
        tol_relative=False, merge_primitives=True, use_parallel=bool(job.get("parallel", True)),
        include_brep=True,
    )
    if status != 0 or not (folder / RAW_NAME).is_file():
        _send(out, error=parse_failure(folder / LOG_NAME))
        return
    _send(out, stage="finishing")
    try:
        glb, scene = post_process(folder / RAW_NAME, step, dict(job.get("source", {})))
    except SceneError as err:
        _send(out, error=err.message)
        return
    (folder / MODEL_NAME).write_bytes(glb)
    (folder / RAW_NAME).unlink()
    _send(out, done={"model": MODEL_NAME, "nodes": len(scene.nodes), "meshes": len(scene.meshes),
                     "parts": len(scene.parts), "triangles": scene.triangle_count, "notes": scene.notes})


def main() -> int:
    # the protocol's own descriptor: fd 1 is handed to Open CASCADE once a job starts
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    try:
        core = load_cascadio()
    except ImportError as err:
        _send(out, error=f"the STEP converter is not available ({err})")
        return 1
    _send(out, stage="ready")
    line = sys.stdin.readline()
    if not line.strip():
        return 0  # the parent let a spare go unused
    job = json.loads(line)
    try:
        run_job(job, core, out)
    except MemoryError:
        _send(out, error="out of memory", memory=True)
    except Exception as err:  # noqa: BLE001 - the process boundary: one sentence to the parent, the traceback to the log
        traceback.print_exc()
        _send(out, error=f"the converter failed ({type(err).__name__}: {str(err)[:200]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
