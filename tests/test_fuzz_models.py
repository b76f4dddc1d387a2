"""The bad-input promise, fuzzed through the real ``xrjig`` command line: models (glTF/GLB, OBJ, STL, PLY): byte and JSON mutations, hostile references, huge files, and rendering what still loads.

The promise, the worker bench and the generators: tests/fuzz_bench.py.
"""

from __future__ import annotations

import copy
import json
import os
import random
import shutil
import struct
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import strategies as st

from tests.conftest import AS1, BOX_GLB, BOX_GLTF, DATA, NESTED, PINS
from tests.fuzz_bench import (
    HOSTILE,
    ROOT,
    SEED,
    Bench,
    edit,
    examples,
    flip_bytes,
    paths,
    short,
    swap_number,
)
from tests.fuzz_worker import Case, Outcome
from tests.test_scenes_untrusted import MESH_SOURCES, _glb, _glb_parts

pytestmark = pytest.mark.timeout(280)


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
                + ("" if delete else f"={short(value)}")
                for at, value, delete in edits if edit(doc, at, value, delete)]
        text = json.dumps(doc).encode()
        content = text if source.suffix == ".gltf" else _glb(doc, rest)
        companions = [p for p in source.parent.iterdir() if p != source] if source.suffix == ".gltf" else []
        cases.append(model_case(bench, "model", source.name, content,
                                f"{source.name} JSON: {'; '.join(done)}", companions))
    return cases


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
                              note=f"{target} = {label} ({short(ref)})"))
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
