"""Fuzzing the bad-input promise end to end, through the real ``xrjig`` command line.

The promise (README, "hostile input"): whatever the file or value, a command exits 0, or
exits 1 with one line on stderr naming the file (or the option); never a traceback, never
a hang, memory bounded, and no file opened outside the model's folder. Recordings also
never pass ``replay --verify`` as "identical" without a warning when they are damaged.

Five input classes, each generated deterministically (hypothesis with ``derandomize``,
byte mutations with seeded ``random``) from the real files in tests/data and scenes/samples:
models, scenarios, recordings, numeric option values, and images/videos for ``track``.
The cases run in a few long-lived worker processes (tests/fuzz_worker.py: imports paid
once, address space capped, an audit hook on every ``open``, an alarm per case), and each
test reports every broken case with a command line that reproduces it, not just the first.
"""

from __future__ import annotations

import copy
import json
import os
import random
import re
import shutil
import struct
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from PIL import Image

from interaction.params import InteractionParams
from tests.conftest import AS1, BOX_GLB, BOX_GLTF, DATA, FACES, HANDS, NESTED, PINS
from tests.fuzz_worker import Case, Outcome, Pool
from tests.test_replay_verify import write_scenario
from tests.test_scenario_hostile import _chain
from tests.test_scenes_untrusted import MESH_SOURCES, VALUES, _glb, _glb_parts

T = TypeVar("T")

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "scenes" / "samples"
#: two cores in CI: one worker each
WORKERS = max(1, min(2, os.cpu_count() or 1))
SEED = 1729

pytestmark = pytest.mark.timeout(280)


# ---------------------------------------------------------------- the promise --------


def _is_warning(line: str) -> bool:
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
        errors = [line for line in lines if not _is_warning(line)]
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


def _secrets(outside: Path) -> None:
    """Files a hostile reference aims at: a buffer, a texture, a material library."""
    outside.mkdir()
    (outside / "secret.bin").write_bytes(bytes(range(256)) * 4)
    Image.new("RGB", (4, 4), (0, 0, 255)).save(outside / "secret.png")
    (outside / "evil.mtl").write_text("newmtl red\nKd 1 0 0\nmap_Kd secret.png\n")


def _nested_scenario(folder: Path) -> Path:
    """tests.test_replay_verify's scenario on NESTED, with its model copied next to it and
    referred to by a relative name, so the whole case lives in one folder."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(NESTED, folder / "nested.glb")
    path = write_scenario(folder, folder / "nested.glb")
    data = yaml.safe_load(path.read_text())
    data["model"] = "nested.glb"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.fixture(scope="module")
def bench(tmp_path_factory) -> Iterator[Bench]:
    """Workers warmed up on good inputs of every command: their lazy imports (MediaPipe
    probes /tmp while it imports) are done before any case is audited."""
    root = tmp_path_factory.mktemp("fuzz")
    _secrets(root / "outside")
    warm = root / "warm"
    scenario = _nested_scenario(warm)
    shutil.copy(HANDS / "mp_gesture_victory.jpg", warm / "hand.jpg")
    rec = str(warm / "warm.mcap")
    warmup = [["info", str(warm / "nested.glb")],
              ["check", str(scenario), "--record", rec],
              ["replay", rec, "--verify"], ["resim", rec],
              ["report", rec, "--out", str(warm / "report"), "--no-heatmap"],
              ["track", str(warm / "hand.jpg")], ["track", str(HANDS / "asl_hand.25fps.mp4"),
                                                  "--max-frames", "1"]]
    pool = Pool(root / "scratch", WORKERS, warmup)
    yield Bench(root, pool)
    pool.close()


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


_NUMBER = re.compile(rb"-?\d+(\.\d+)?([eE][-+]?\d+)?")


def swap_number(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    """A text format's number (OBJ index or coordinate, PLY count, STL vertex) replaced by
    a hostile one."""
    numbers = list(_NUMBER.finditer(data))
    if not numbers:
        return flip_bytes(data, rng)
    match = rng.choice(numbers)
    new = rng.choice([b"1e308", b"-1e308", b"nan", b"inf", b"99999999999999999999", b"-1",
                      b"2147483648", b"0", b"1e-320", b"x"])
    return data[:match.start()] + new + data[match.end():], f"number at {match.start()} -> {new.decode()}"


# ---------------------------------------------------------------- 1. models ----------

MESH_DIR = DATA / "models"
#: (model, files it needs next to it)
MODEL_SOURCES: list[tuple[Path, list[Path]]] = [
    (AS1, []), (BOX_GLB, []), (NESTED, []), (PINS, []),
    *[(p, []) for p in sorted((MESH_DIR / "edge-cases-trimesh").glob("*.glb"))],
    (BOX_GLTF, sorted(p for p in BOX_GLTF.parent.iterdir() if p != BOX_GLTF)),
    *[(p, sorted(p.parent.glob(p.stem + ".mtl"))) for p in MESH_SOURCES],
]
TEXT_SUFFIXES = {".gltf", ".obj"}
BYTE_MUTANTS_PER_MODEL = 6


def model_case(bench: Bench, kind: str, name: str, content: bytes, note: str,
               companions: Sequence[Path] = ()) -> Case:
    """A case folder holding ``name`` (with ``content``) and copies of ``companions``;
    the case runs ``xrjig info`` on it."""
    case_id, folder = bench.folder(kind)
    for extra in companions:
        shutil.copy(extra, folder / extra.name)
    (folder / name).write_bytes(content)
    return Case(case_id, kind, ["info", str(folder / name)], [str(folder)], [name], note=note)


def byte_mutants(bench: Bench) -> list[Case]:
    """Every real model, mutated at the byte level (numbers too, for the text formats);
    BoxTextured's buffer and texture are mutated as well as its JSON."""
    cases = []
    for model, companions in MODEL_SOURCES:
        rng = random.Random(f"{SEED}{model.name}")
        targets = [model] + [c for c in companions if c.suffix in (".bin", ".png")]
        for n in range(BYTE_MUTANTS_PER_MODEL):
            target = targets[n % len(targets)] if n % 3 == 2 else model
            data = target.read_bytes()
            text = target.suffix.lower() in TEXT_SUFFIXES or data.startswith(b"solid") or b"format ascii" in data[:64]
            content, how = swap_number(data, rng) if text and n % 2 else flip_bytes(data, rng)
            others = [c for c in companions if c != target]
            case = model_case(bench, "model", model.name, model.read_bytes(), "", others)
            (Path(case.allowed[0]) / target.name).write_bytes(content)
            case.note = f"{target.name} from {target.relative_to(ROOT)}: {how}"
            cases.append(case)
    return cases


def _gltf_document(model: Path) -> tuple[dict[str, Any], bytes]:
    """(JSON document, the GLB's remaining chunks) of a .gltf or .glb."""
    if model.suffix == ".gltf":
        return json.loads(model.read_text()), b""
    return _glb_parts(model.read_bytes())


GLTF_DOCS = {p.name: (p, *_gltf_document(p)) for p in (BOX_GLTF, BOX_GLB, NESTED, AS1)}
GLTF_PATHS = {name: list(paths(doc)) for name, (_, doc, _) in GLTF_DOCS.items()}


@st.composite
def gltf_edits(draw: st.DrawFn) -> tuple[str, list[tuple[tuple[Any, ...], Any, bool]]]:
    """A glTF document and 1-3 edits: a place set to a hostile value, or deleted."""
    name = draw(st.sampled_from(sorted(GLTF_DOCS)))
    places = GLTF_PATHS[name]
    edits = [(at, value, False) for at, value in
             draw(st.lists(st.tuples(st.sampled_from(places), HOSTILE), min_size=1, max_size=3))]
    if draw(st.integers(0, 4)) == 0:  # sometimes a deletion: a missing key or element
        edits.append((draw(st.sampled_from(places)), None, True))
    return name, edits


def json_mutants(bench: Bench, n: int) -> list[Case]:
    cases = []
    for name, edits in examples(gltf_edits(), n):
        source, doc, rest = GLTF_DOCS[name]
        doc = copy.deepcopy(doc)
        done = [f"{'del ' if delete else ''}{'/'.join(map(str, at))}"
                + ("" if delete else f"={_short(value)}")
                for at, value, delete in edits if edit(doc, at, value, delete)]
        text = json.dumps(doc).encode()
        content = text if source.suffix == ".gltf" else _glb(doc, rest)
        companions = [p for p in source.parent.iterdir() if p != source] if source.suffix == ".gltf" else []
        cases.append(model_case(bench, "model", source.name, content,
                                f"{source.name} JSON: {'; '.join(done)}", companions))
    return cases


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 60 else f"{text[:40]}...({len(text)} chars)"


def hostile_refs(outside: Path, secret: str) -> dict[str, str]:
    """Label -> a file reference a model must not follow out of its folder (the ``fifo``,
    ``symlink-*`` and ``folder`` ones exist once :func:`plant_refs` made them)."""
    return {
        "dotdot": f"../../outside/{secret}", "absolute": str(outside / secret),
        "file-url": f"file://{outside / secret}", "dev-zero": "/dev/zero",
        "dev-urandom": "/dev/urandom", "etc-passwd": "/etc/passwd",
        "proc-environ": "/proc/self/environ", "fifo": "pipe.dat", "symlink-out": "link-out.dat",
        "symlink-zero": "link-zero.dat", "url-encoded": f"%2E%2E/%2E%2E/outside/{secret}",
        "sub-dotdot": f"sub/../../../outside/{secret}", "long": "a" * 5000, "empty": "",
        "dot": ".", "folder": "sub", "windows": f"C:\\outside\\{secret}",
        "unc": f"\\\\server\\share\\{secret}", "home": f"~/{secret}",
        "bad-data-uri": "data:application/octet-stream;base64,!!!!",
    }


def plant_refs(folder: Path, outside: Path, secret: str) -> None:
    """The FIFO, the symlinks out of the folder and the sub-folder references point at."""
    os.mkfifo(folder / "pipe.dat")
    (folder / "link-out.dat").symlink_to(outside / secret)
    (folder / "link-zero.dat").symlink_to("/dev/zero")
    (folder / "sub").mkdir()


def reference_cases(bench: Bench) -> list[Case]:
    """glTF buffer and image URIs, OBJ ``mtllib`` and ``map_Kd``, and a PLY TextureFile,
    each pointed at every hostile reference."""
    doc = json.loads(BOX_GLTF.read_text())
    obj = (DATA / "models" / "mesh-parts" / "assimp" / "concave_polygon.obj").read_bytes()
    ply = (DATA / "models" / "mesh-parts" / "assimp" / "cube_binary.ply").read_bytes()
    targets = {"gltf-buffer": "secret.bin", "gltf-image": "secret.png", "obj-mtllib": "evil.mtl",
               "obj-map_Kd": "secret.png", "ply-texture": "secret.png"}
    cases = []
    for target, secret in targets.items():
        for label, ref in hostile_refs(bench.outside, secret).items():
            case_id, folder = bench.folder("model")
            plant_refs(folder, bench.outside, secret)
            name, content, companions = _referring_model(target, ref, doc, obj, ply, folder)
            for extra in companions:
                shutil.copy(extra, folder / extra.name)
            (folder / name).write_bytes(content)
            cases.append(Case(case_id, "model", ["info", str(folder / name)], [str(folder)], [name],
                              note=f"{target} = {label} ({_short(ref)})"))
    return cases


def _referring_model(target: str, ref: str, doc: dict[str, Any], obj: bytes, ply: bytes,
                     folder: Path) -> tuple[str, bytes, list[Path]]:
    """(file name, content, companions) of a model whose ``target`` reference is ``ref``."""
    if target.startswith("gltf"):
        doc = copy.deepcopy(doc)
        doc["buffers" if target == "gltf-buffer" else "images"][0]["uri"] = ref
        companions = [p for p in BOX_GLTF.parent.iterdir() if p != BOX_GLTF]
        return "BoxTextured.gltf", json.dumps(doc).encode(), companions
    if target == "obj-mtllib":
        return "model.obj", f"mtllib {ref}\n".encode() + obj, []
    if target == "obj-map_Kd":
        (folder / "model.mtl").write_text(f"newmtl test\nKd 1 0 0\nmap_Kd {ref}\n")
        return "model.obj", b"mtllib model.mtl\n" + obj, []
    header = ply.replace(b"comment VCGLIB generated", f"comment TextureFile {ref}".encode())
    return "model.ply", header, []


def huge_file_cases(bench: Bench) -> list[Case]:
    """Sparse files just under the loader's size limit (MAX_FILE_BYTES) with a plausible
    header: reading them must end within the per-case memory budget, in one line."""
    cases = []
    for name, head in [("sparse.glb", struct.pack("<4sII", b"glTF", 2, 1_900_000_000)
                        + struct.pack("<II", 1_899_999_980, 0x4E4F534A) + b"{"),
                       ("sparse.obj", b"v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n")]:
        case_id, folder = bench.folder("model")
        with open(folder / name, "wb") as f:
            f.write(head)
            f.truncate(1_900_000_000)
        cases.append(Case(case_id, "model", ["info", str(folder / name)], [str(folder)], [name],
                          note=f"{name}: 1.9 GB sparse file, header {head[:24]!r}"))
    return cases


@pytest.fixture(scope="module")
def model_outcomes(bench: Bench) -> list[Outcome]:
    """``xrjig info`` on every model case: byte mutants of each real model, hostile glTF
    JSON values (hypothesis), hostile references, huge sparse files."""
    cases = byte_mutants(bench) + json_mutants(bench, 80) + reference_cases(bench) + huge_file_cases(bench)
    return bench.run("models (info)", cases)


def test_models_keep_the_promise(bench, model_outcomes):
    bench.assert_kept(model_outcomes)


#: rendered model cases: the loadable mutants are the interesting ones (NaN or 1e308
#: coordinates, empty bounds reach the camera and the renderer)
RENDER_CASES = 40


@pytest.mark.gl
def test_rendering_loadable_mutants_keeps_the_promise(bench, model_outcomes):
    loaded = [o for o in model_outcomes if o.code == 0 and o.case.argv[0] == "info"]
    step = max(1, len(loaded) // RENDER_CASES)
    cases = []
    for o in loaded[::step][:RENDER_CASES]:
        folder = Path(o.case.allowed[0])
        argv = ["render", o.case.argv[1], "--out", str(folder / "render.png"), "--size", "64x48"]
        cases.append(Case(o.case.id + "-render", "render", argv, o.case.allowed, o.case.names,
                          note=o.case.note))
    bench.assert_kept(bench.run("models (render)", cases))


# ---------------------------------------------------------------- 2. scenarios -------

SCENARIO_SOURCES = ["nested", "nested", "as1"]


@pytest.fixture(scope="module")
def scenario_bases(bench: Bench) -> dict[str, tuple[Path, Any]]:
    """name -> (folder holding a good scenario and its model, the scenario's data): the
    NESTED one of tests/test_replay_verify (fast autopilot) and the bundled AS1 sample."""
    nested = _nested_scenario(bench.root / "bases" / "nested")
    as1 = bench.root / "bases" / "as1"
    as1.mkdir(parents=True)
    shutil.copy(SAMPLES / "as1-assembly.yaml", as1 / "scenario.yaml")
    shutil.copy(SAMPLES / "bug21802_as1-oc-214.glb", as1 / "bug21802_as1-oc-214.glb")
    return {name: (path.parent, yaml.safe_load(path.read_text()))
            for name, path in (("nested", nested), ("as1", as1 / "scenario.yaml"))}


def scenario_case(bench: Bench, base: Path, text: bytes | str, note: str) -> Case:
    """A case folder with the base's model and ``text`` as scenario.yaml; runs ``check``."""
    case_id, folder = bench.folder("scenario")
    for model in base.glob("*.glb"):
        os.link(model, folder / model.name)  # hard link: the same bytes, no copy
    path = folder / "scenario.yaml"
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return Case(case_id, "scenario", ["check", str(path)], [str(folder)],
                ["scenario.yaml"], note=note)


def yaml_edits(places: dict[str, list[tuple[Any, ...]]]) -> st.SearchStrategy[Any]:
    """A base scenario and 1-3 edits: a place set to a hostile value, or deleted."""
    @st.composite
    def strategy(draw: st.DrawFn) -> tuple[str, list[tuple[tuple[Any, ...], Any, bool]]]:
        name = draw(st.sampled_from(SCENARIO_SOURCES))
        edits = [(at, value, draw(st.integers(0, 5)) == 0) for at, value in
                 draw(st.lists(st.tuples(st.sampled_from(places[name]), HOSTILE), min_size=1, max_size=3))]
        return name, edits

    return strategy()


def data_mutants(bench: Bench, bases: dict[str, tuple[Path, Any]], n: int) -> list[Case]:
    places = {name: list(paths(data)) for name, (_, data) in bases.items()}
    cases = []
    for name, edits in examples(yaml_edits(places), n):
        folder, data = bases[name]
        data = copy.deepcopy(data)
        done = [f"{'del ' if delete else ''}{'/'.join(map(str, at))}"
                + ("" if delete else f"={_short(value)}")
                for at, value, delete in edits if edit(data, at, value, delete)]
        text = yaml.safe_dump(data, sort_keys=False, width=1_000_000)
        cases.append(scenario_case(bench, folder, text, f"{name} scenario: {'; '.join(done)}"))
    return cases


def _laughs(levels: int) -> str:
    """The "billion laughs": each level an alias list of the previous one, nine times."""
    lines = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"l{i}: &l{i} [" + ",".join([f"*l{i - 1}"] * 9) + "]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def text_mutants(base: str) -> dict[str, str | bytes]:
    """Hand-made hostile scenario texts: nesting, aliases, tags, encodings, sizes, chains,
    and model references that lead nowhere good."""
    no_model = "\n".join(line for line in base.splitlines() if not line.startswith("model:"))
    big_parts = "parts:\n" + "- block01\n" * 380_000
    texts: dict[str, str | bytes] = {
        "deep-flow-65": base + "extra: " + "[" * 65 + "]" * 65 + "\n",
        "deep-flow-100000": base + "extra: " + "[" * 100_000 + "]" * 100_000 + "\n",
        "unclosed-100000": base + "steps: " + "[" * 100_000 + "\n",
        "deep-block": base + "extra:\n" + "".join("  " * i + "-\n" for i in range(1500)),
        "deep-mapping": base + "extra: " + "{a: " * 5000 + "1" + "}" * 5000 + "\n",
        "billion-laughs": base + _laughs(9),
        "merge-keys": base + "x: &x {a: 1}\ny:\n  <<: *x\n",
        "python-tag": base + "extra: !!python/object/apply:os.system ['echo pwned']\n",
        "tab-indent": base.replace("\n  ", "\n\t", 3),
        "duplicate-key": base + "steps: []\nsteps: 5\n",
        "bom": "\ufeff" + base,
        "invalid-utf8": base.encode() + b"\nlabel: \xff\xfe\xc3\x28\n",
        "nul-bytes": base.encode() + b"\0" * 64,
        "empty": "", "null": "~\n", "list": "- 1\n- 2\n", "scalar": "42\n",
        "string": "'just a string'\n", "only-model": "model: nested.glb\n",
        "no-model": no_model,
        "over-4MB": base + "#" * (4 * 1024 * 1024) + "\n",
        "parts-380k": base + big_parts,
        "long-line": base + "extra: " + "x" * 3_000_000 + "\n",
        "cycle-30000": base.replace("steps:", "old_steps:") + _chain(30_000, cycle=True),
        "self-require": base + "steps:\n- {id: a, parts: [block01], requires: [a]}\n",
        "requires-unknown": base + "steps:\n- {id: a, parts: [block01], requires: [nope]}\n",
        "requires-10000": base + "steps:\n- {id: a, parts: [block01]}\n- {id: b, parts: [], requires: ["
                          + ", ".join(["a"] * 10_000) + "]}\n",
        "units-parsec": base + "units: parsec\n",
        "units-list": base + "units: [mm]\n",
        "variant-missing": base + "default_variant: nope\n",
    }
    for label, model in {"dotdot": "../../outside/secret.bin", "etc-passwd": "/etc/passwd",
                         "dev-zero": "/dev/zero", "empty": "''", "dot": ".", "fifo": "pipe.glb",
                         "number": "12", "list": "[a, b]", "mapping": "{a: 1}",
                         "folder-glb": "sub.glb", "long": "a" * 5000 + ".glb"}.items():
        texts[f"model-{label}"] = no_model + f"\nmodel: {model}\n"
    return texts


def scenario_text_cases(bench: Bench, bases: dict[str, tuple[Path, Any]]) -> list[Case]:
    folder, _ = bases["nested"]
    base = (folder / "scenario.yaml").read_text()
    cases = []
    for label, text in text_mutants(base).items():
        case = scenario_case(bench, folder, text, f"nested scenario, {label}")
        here = Path(case.allowed[0])
        os.mkfifo(here / "pipe.glb")
        (here / "sub.glb").mkdir()
        if label.startswith("model-"):  # the error may name the model rather than the scenario
            model = str(text).rsplit("model: ", 1)[1].strip().strip("'")
            case.names.append(Path(model).name[:60] or "model")
        cases.append(case)
    return cases


def scenario_byte_cases(bench: Bench, bases: dict[str, tuple[Path, Any]], n: int) -> list[Case]:
    cases = []
    for name, (folder, _) in bases.items():
        rng = random.Random(f"{SEED}scenario{name}")
        data = (folder / "scenario.yaml").read_bytes()
        for i in range(n):
            content, how = swap_number(data, rng) if i % 2 else flip_bytes(data, rng, head=len(data))
            cases.append(scenario_case(bench, folder, content, f"{name} scenario: {how}"))
    return cases


def test_scenarios_keep_the_promise(bench, scenario_bases):
    cases = (data_mutants(bench, scenario_bases, 80) + scenario_text_cases(bench, scenario_bases)
             + scenario_byte_cases(bench, scenario_bases, 8))
    for case in cases[::4]:  # a named variant takes another path through the parameters
        case.argv += ["--variant", "B"]
    bench.assert_kept(bench.run("scenarios (check)", cases))


# ---------------------------------------------------------------- 3. recordings ------

MCAP_RECORDS = {1: "Header", 2: "Footer", 3: "Schema", 4: "Channel", 5: "Message", 6: "Chunk",
                7: "MessageIndex", 8: "ChunkIndex", 9: "Attachment", 10: "AttachmentIndex",
                11: "Statistics", 12: "Metadata", 13: "MetadataIndex", 14: "SummaryOffset",
                15: "DataEnd"}


def mcap_records(data: bytes) -> list[tuple[str, int, int]]:
    """(record type, start, end) of an MCAP file's top-level records, so that damage can be
    placed in each kind of record and named by it."""
    spans, at = [], 8
    while at + 9 <= len(data) - 8:
        (length,) = struct.unpack_from("<Q", data, at + 1)
        spans.append((MCAP_RECORDS.get(data[at], f"op{data[at]:#x}"), at, at + 9 + length))
        at += 9 + length
    return spans


def _set_u64(data: bytes, at: int, value: int) -> bytes:
    return data[:at] + struct.pack("<Q", value) + data[at + 8:]


def record_damage(data: bytes, rng: random.Random) -> list[tuple[bytes, str]]:
    """Damaged copies of a recording: cuts (anywhere and at record boundaries), a flipped
    byte in every kind of record, zeroed, deleted, duplicated and swapped blocks, trailing
    garbage, and absurd sizes in the first chunk's fields."""
    spans = mcap_records(data)
    out = [(data[:cut], f"truncated to {cut} of {len(data)} bytes")
           for cut in [0, 8, 30, *(int(len(data) * f) for f in (0.1, 0.3, 0.5, 0.7, 0.9, 0.99))]]
    for kind in ("Chunk", "DataEnd", "ChunkIndex", "Footer"):
        start = next(s for k, s, _ in spans if k == kind)
        out.append((data[:start], f"truncated just before the first {kind} record ({start})"))
    for kind in sorted({k for k, _, _ in spans}):
        for _ in range(3 if kind == "Chunk" else 1):
            _, start, end = rng.choice([s for s in spans if s[0] == kind])
            at = rng.randrange(start, end)
            raw = bytearray(data)
            raw[at] ^= 1 << rng.randrange(8)
            out.append((bytes(raw), f"one bit flipped at {at}, in a {kind} record ({start}..{end})"))
    for at, what in ((3, "the leading magic"), (len(data) - 3, "the trailing magic")):
        out.append((data[:at] + b"X" + data[at + 1:], f"a byte of {what} changed"))
    for _ in range(4):
        start, size = rng.randrange(len(data)), rng.choice([64, 512, 4096])
        out.append((data[:start] + bytes(size) + data[start + size:], f"{size} bytes zeroed at {start}"))
    for _ in range(3):
        start, size = rng.randrange(len(data)), rng.choice([9, 100, 1000])
        out.append((data[:start] + data[start + size:], f"{size} bytes deleted at {start}"))
    chunks = [(s, e) for k, s, e in spans if k == "Chunk"]
    (a0, a1), (b0, b1) = chunks[1], chunks[2]
    out.append((data[:b1] + data[a0:a1] + data[b1:], "the second chunk repeated after the third"))
    out.append((data[:a0] + data[b0:b1] + data[a1:b0] + data[a0:a1] + data[b1:], "chunks 2 and 3 swapped"))
    out.append((data + rng.randbytes(300), "300 random bytes appended"))
    out.append((data + data, "the whole file twice"))
    first = chunks[0][0]
    compression = struct.unpack_from("<I", data, first + 9 + 28)[0]
    for offset, field_name in ((1, "record length"), (9 + 16, "uncompressed size"),
                               (9 + 32 + compression, "records length")):
        for value in (2**62, 2**32):
            out.append((_set_u64(data, first + offset, value), f"first chunk's {field_name} set to {value}"))
    return [(damaged, how) for damaged, how in out if damaged != data]


@pytest.fixture(scope="module")
def recording(bench: Bench) -> Path:
    """A real recording, made as a user makes one: ``xrjig check --record`` (by a worker)."""
    scenario = _nested_scenario(bench.root / "bases" / "recording")
    rec = scenario.parent / "trial.mcap"
    argv = ["check", str(scenario), "--variant", "A", "--record", str(rec)]
    (made,) = bench.pool.run([Case("record", "recording", argv, [str(scenario.parent)], ["trial.mcap"])])
    assert made.code == 0 and rec.is_file(), made.stderr
    return rec


@pytest.fixture(scope="module")
def recording_outcomes(bench: Bench, recording: Path) -> list[Outcome]:
    """``replay --verify`` on every damaged copy; ``resim`` and ``report`` on every third."""
    data = recording.read_bytes()
    base = str(recording.parent)
    cases = []
    for n, (damaged, how) in enumerate(record_damage(data, random.Random(SEED))):
        case_id, folder = bench.folder("recording")
        path = folder / "trial.mcap"
        path.write_bytes(damaged)
        names = ["trial.mcap", "scenario.yaml"]
        argvs = [["replay", str(path), "--verify"]]
        if n % 3 == 0:
            argvs += [["resim", str(path), "--set", "dwell_time_s=0.5"],
                      ["report", str(path), "--out", str(folder / "report"), "--no-heatmap"]]
        cases += [Case(f"{case_id}-{argv[0]}", "recording", argv, [str(folder), base], names,
                       note=how, damaged=True) for argv in argvs]
    return bench.run("recordings (replay --verify, resim, report)", cases)


def test_damaged_recordings_keep_the_promise(bench, recording_outcomes):
    bench.assert_kept(recording_outcomes)


def test_damaged_recordings_are_never_reported_identical_without_a_warning(bench, recording_outcomes):
    verified = [o for o in recording_outcomes if o.case.argv[0] == "replay"]
    silent = [o for o in verified if silently_identical(o)]
    print(f"\nfuzz recordings: {len(silent)} of {len(verified)} damaged recordings "  # noqa: T201
          "verified 'identical' without a warning")
    bench.assert_kept(verified, lambda o: ["replay --verify: 'identical', no warning"] if silently_identical(o) else [])


# ---------------------------------------------------------------- 4. option values ---

#: spellings that trip number parsing: beyond float and int64, non-finite, negative zero,
#: subnormal, hex, underscores, non-ASCII digits, blanks, huge
SPECIAL_NUMBERS = ["1e308", "-1e308", "1e309", "nan", "NaN", "-nan", "inf", "-inf", "Infinity",
                   "-0", "-0.0", "0", "1", str(2**64), str(-(2**64)), str(2**1000), "1e-320",
                   "5e-324", "0x10", "1_000", " 7 ", "\uff11\uff12", "\u0663", "1e", "", "--",
                   "1" * 5000, "1/2", "2**64", "1,5", "+inf", "True"]
NUMBER_TEXT = st.one_of(
    st.sampled_from(SPECIAL_NUMBERS),
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
                          note=f"{option} ({kind}): {_short(shown)}"))
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
