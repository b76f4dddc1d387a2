"""The fuzzing harness of the bad-input promise (tests/test_fuzz_*.py): what the promise is,
the bench of worker processes the cases run on, and the generators of hostile variants.

The promise (README, "hostile input"): whatever the file or value, a command exits 0, or
exits 1 with one line on stderr naming the file (or the option); never a traceback, never
a hang, memory bounded, and no file opened outside the model's folder. Recordings also
never pass ``replay --verify`` as "identical" without a warning when they are damaged.

Five input classes, each generated deterministically (hypothesis with ``derandomize``,
byte mutations with seeded ``random``) from the real files in tests/data and scenes/samples:
models, scenarios, recordings, numeric option values, and images/videos for ``track``, one
test module each. The cases run in a few long-lived worker processes shared by the modules
(tests/fuzz_worker.py: imports paid once, address space capped, an audit hook on every
``open``, an alarm per case; the ``fuzz_bench`` fixture in conftest.py), and each test
reports every broken case with a command line that reproduces it, not just the first.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import struct
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from PIL import Image

from tests.conftest import HANDS, NESTED
from tests.fuzz_worker import Case, Outcome, Pool
from tests.test_replay_verify import write_scenario
from tests.test_scenes_untrusted import VALUES

T = TypeVar("T")

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "scenes" / "samples"
#: two cores in CI: one worker each
WORKERS = max(1, min(2, os.cpu_count() or 1))
SEED = 1729



# ---------------------------------------------------------------- the promise --------


def is_warning(line: str) -> bool:
    """A warning or note line (a damaged recording verified over its prefix, a texture
    refused): allowed next to a result, if it names the file like an error does."""
    return re.search(r"\b(warning|note)\b", line, re.IGNORECASE) is not None


def problems(o: Outcome) -> list[str]:
    """How an outcome breaks the promise (empty: it keeps it)."""
    if o.crash:
        return [f"the worker died: {o.crash[:600]}"]
    found = []
    if o.timed_out:
        found.append(f"no result within {o.case.timeout:g} s (a hang)")
    if o.escaped:
        found.append("exception escaped main: " + o.escaped.strip().splitlines()[-1][:300])
    elif o.code not in (0, 1) and not o.timed_out:
        found.append(f"exit code {o.code}")
    if "Traceback" in o.stderr or "Traceback" in o.stdout:
        found.append("a traceback was printed")
    if o.outside:
        found.append(f"opened outside its folder: {o.outside[:3]}")
    lines = [line for line in o.stderr.splitlines() if line.strip()]
    unnamed = [line for line in lines if not any(name in line for name in o.case.names)]
    if unnamed:
        found.append(f"stderr line naming none of {o.case.names[:3]}: {unnamed[0][:240]!r}")
    if o.code == 1:
        errors = [line for line in lines if not is_warning(line)]
        if len(errors) > 1:
            found.append(f"{len(errors)} error lines on stderr, not one: {errors[:3]}")
        if not errors and not o.stdout.strip():
            found.append("exit 1 without a word")
    return found


def silently_identical(o: Outcome) -> bool:
    """``replay --verify`` said a damaged recording is identical and warned of nothing (a
    note, such as "the scenario changed since", is not a warning of damage)."""
    warned = any("warning" in line.lower() for line in o.stderr.splitlines())
    return o.case.damaged and o.code == 0 and "identical" in o.stdout and not warned


def summarize(kind: str, outcomes: list[Outcome], seconds: float) -> None:
    """One line per class (``pytest -s`` shows it): cases, exit codes, memory, slowest."""
    codes = Counter("crash" if o.crash else "timeout" if o.timed_out else o.code for o in outcomes)
    peak = max((o.peak_rss_mb for o in outcomes), default=0.0)
    vm = max((o.vm_peak_mb for o in outcomes), default=0.0)
    slow = max(outcomes, key=lambda o: o.seconds, default=None)
    failing = sum(1 for o in outcomes if problems(o))
    print(f"\nfuzz {kind}: {len(outcomes)} cases in {seconds:.1f} s, exit codes {dict(codes)}, "  # noqa: T201
          f"{failing} failing; peak RSS {peak:.0f} MiB, address space {vm:.0f} MiB"
          + (f", slowest {slow.case.id} {slow.seconds:.1f} s" if slow else ""))


def assert_kept(outcomes: list[Outcome], check: Callable[[Outcome], list[str]] = problems,
                dump: Path | None = None) -> None:
    """Fail listing every broken case (how it was made, what broke, how to reproduce); all
    of them, with their whole stderr, are also appended to ``dump`` (JSON lines)."""
    failures, records = [], []
    for o in outcomes:
        found = check(o)
        if found:
            records.append({"id": o.case.id, "note": o.case.note, "problems": found, "argv": o.case.argv,
                            "code": o.code, "stderr": o.stderr, "escaped": o.escaped, "crash": o.crash})
            err = " | ".join(line for line in o.stderr.splitlines()[:3] if line.strip())
            failures.append(f"[{o.case.id}] {o.case.note}\n    " + "\n    ".join(found)
                            + f"\n    stderr: {err[:300]!r}\n    reproduce: {o.reproducer()}")
    if records and dump is not None:
        with open(dump, "a") as f:
            f.writelines(json.dumps(r) + "\n" for r in records)
    shown = "\n".join(failures[:25]) + (f"\n... and {len(failures) - 25} more" if len(failures) > 25 else "")
    where = f" (all of them in {dump})" if dump is not None else ""
    assert not failures, f"{len(failures)} of {len(outcomes)} cases break the promise{where}:\n{shown}"


# ---------------------------------------------------------------- the bench ----------


class Bench:
    """The module's worker pool and the folders of its cases. Each case gets its own folder
    under ``cases/``; ``outside/`` holds the secrets no case may reach."""

    def __init__(self, root: Path, pool: Pool) -> None:
        self.root, self.pool = root, pool
        self.outside = root / "outside"
        self.counts: Counter[str] = Counter()

    def folder(self, kind: str) -> tuple[str, Path]:
        """A new, empty case folder and the case's id."""
        self.counts[kind] += 1
        case_id = f"{kind}-{self.counts[kind]:03d}"
        path = self.root / "cases" / case_id
        path.mkdir(parents=True)
        return case_id, path

    def run(self, kind: str, cases: list[Case]) -> list[Outcome]:
        """Run a class's cases on the workers and print its summary."""
        start = time.perf_counter()
        outcomes = self.pool.run(cases)
        summarize(kind, outcomes, time.perf_counter() - start)
        return outcomes

    def assert_kept(self, outcomes: list[Outcome],
                    check: Callable[[Outcome], list[str]] = problems) -> None:
        """:func:`assert_kept`, the failures also in ``failures.jsonl`` of the module's folder."""
        assert_kept(outcomes, check, self.root / "failures.jsonl")


def plant_secrets(outside: Path) -> None:
    """Files a hostile reference aims at: a buffer, a texture, a material library."""
    outside.mkdir()
    (outside / "secret.bin").write_bytes(bytes(range(256)) * 4)
    Image.new("RGB", (4, 4), (0, 0, 255)).save(outside / "secret.png")
    (outside / "evil.mtl").write_text("newmtl red\nKd 1 0 0\nmap_Kd secret.png\n")


def nested_scenario(folder: Path) -> Path:
    """tests.test_replay_verify's scenario on NESTED, with its model copied next to it and
    referred to by a relative name, so the whole case lives in one folder."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(NESTED, folder / "nested.glb")
    path = write_scenario(folder, folder / "nested.glb")
    data = yaml.safe_load(path.read_text())
    data["model"] = "nested.glb"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def start_bench(tmp_path_factory: pytest.TempPathFactory) -> Bench:
    """Workers warmed up on good inputs of every command: their lazy imports (MediaPipe
    probes /tmp while it imports) are done before any case is audited."""
    root = tmp_path_factory.mktemp("fuzz")
    plant_secrets(root / "outside")
    warm = root / "warm"
    scenario = nested_scenario(warm)
    shutil.copy(HANDS / "mp_gesture_victory.jpg", warm / "hand.jpg")
    rec = str(warm / "warm.mcap")
    warmup = [["info", str(warm / "nested.glb")],
              ["check", str(scenario), "--record", rec],
              ["replay", rec, "--verify"], ["resim", rec],
              ["report", rec, "--out", str(warm / "report"), "--no-heatmap"],
              ["track", str(warm / "hand.jpg")], ["track", str(HANDS / "asl_hand.25fps.mp4"),
                                                  "--max-frames", "1"]]
    return Bench(root, Pool(root / "scratch", WORKERS, warmup))


# ---------------------------------------------------------------- generation helpers --


def examples(strategy: st.SearchStrategy[T], n: int) -> list[T]:
    """``n`` examples of ``strategy``, the same ones on every run (``derandomize``), drawn
    up front so that the cases can be run in batches by the workers."""
    found: list[T] = []

    @settings(max_examples=n, derandomize=True, database=None, deadline=None,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    @given(strategy)
    def collect(value: T) -> None:
        found.append(value)

    collect()
    return found


def paths(value: Any, at: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every location in a JSON / YAML document (containers and leaves)."""
    if at:
        yield at
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, (*at, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from paths(item, (*at, i))


def edit(doc: Any, at: tuple[Any, ...], value: Any, delete: bool = False) -> bool:
    """Set (or delete) ``doc`` at ``at``; False when an earlier edit removed the place."""
    for key in at[:-1]:
        try:
            doc = doc[key]
        except (KeyError, IndexError, TypeError):
            return False
    try:
        if delete:
            del doc[at[-1]]
        else:
            doc[at[-1]] = value
    except (KeyError, IndexError, TypeError):
        return False
    return True


def nested_list(depth: int) -> list[Any]:
    out: list[Any] = []
    for _ in range(depth):
        out = [out]
    return out


#: values that break parsers and arithmetic: beyond int64 and float, non-finite, wrong
#: types, huge strings and containers, nesting
HOSTILE = st.one_of(
    st.sampled_from([2**64, -(2**64), 2**63, 2**31, -(2**31), 10**400, 2**53 + 1, 1e308, -1e308,
                     float("nan"), float("inf"), float("-inf"), -1, 0, -0.0, 5e-324, 1.5, True,
                     None, "", "x", "1e308", "a" * 100_000, [], {}, [0] * 10_000,
                     {"a": {"b": {"c": 1}}}]),
    st.integers(0, 80).map(nested_list),
    VALUES,
)


def flip_bytes(data: bytes, rng: random.Random, head: int = 300) -> tuple[bytes, str]:
    """One byte-level mutation: flips (often in the header, where counts and lengths
    live), truncation, a zeroed block, inserted noise, a duplicated block, or a 32-bit
    field set to an absurd value."""
    raw = bytearray(data)
    op = rng.choice(["flip", "flip", "truncate", "zero", "insert", "duplicate", "u32"])
    if op == "flip":
        spots = [rng.randrange(min(head, len(raw)) if rng.random() < 0.5 else len(raw))
                 for _ in range(rng.randint(1, 8))]
        for at in spots:
            raw[at] ^= rng.randint(1, 255)
        return bytes(raw), f"bytes flipped at {sorted(spots)}"
    if op == "truncate":
        cut = rng.randrange(len(raw))
        return bytes(raw[:cut]), f"truncated to {cut} of {len(raw)} bytes"
    start = rng.randrange(len(raw))
    size = rng.choice([4, 16, 64, 256, 4096])
    if op == "zero":
        raw[start:start + size] = bytes(len(raw[start:start + size]))
        return bytes(raw), f"{size} bytes zeroed at {start}"
    if op == "insert":
        raw[start:start] = rng.randbytes(size)
        return bytes(raw), f"{size} random bytes inserted at {start}"
    if op == "duplicate":
        raw[start:start] = raw[start:start + size]
        return bytes(raw), f"block of {size} bytes at {start} duplicated"
    at = rng.randrange(0, min(len(raw), 64) - 3, 4) if len(raw) >= 8 else 0
    value = rng.choice([0xFFFFFFFF, 0x7FFFFFFF, 0x80000000, 0])
    raw[at:at + 4] = struct.pack("<I", value)[: len(raw[at:at + 4])]
    return bytes(raw), f"32-bit field at {at} set to {value:#x}"


NUMBER = re.compile(rb"-?\d+(\.\d+)?([eE][-+]?\d+)?")


def swap_number(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    """A text format's number (OBJ index or coordinate, PLY count, STL vertex) replaced by
    a hostile one."""
    numbers = list(NUMBER.finditer(data))
    if not numbers:
        return flip_bytes(data, rng)
    match = rng.choice(numbers)
    new = rng.choice([b"1e308", b"-1e308", b"nan", b"inf", b"99999999999999999999", b"-1",
                      b"2147483648", b"0", b"1e-320", b"x"])
    return data[:match.start()] + new + data[match.end():], f"number at {match.start()} -> {new.decode()}"


def short(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 60 else f"{text[:40]}...({len(text)} chars)"
