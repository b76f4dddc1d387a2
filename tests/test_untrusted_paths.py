"""Files a model refers to never lead out of its folder (OBJ mtllib / map_Kd, PLY
TextureFile, glTF URIs), whatever the reference: absolute, ``..``, a symlink, a FIFO, a
device. An audit hook records every file opened while loading; loading either succeeds
without the refused material / texture or raises SceneError naming the model.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from scenes.loader import load_scene
from scenes.model import Scene, SceneError

TRIANGLE = "v 0 0 0\nv 1 0 0\nv 0 1 0\nvt 0 0\nvt 1 0\nvt 0 1\nusemtl red\nf 1/1 2/2 3/3\n"

#: paths passed to open() / os.open() while ``_RECORDING`` is set (this process)
_OPENED: list[str] = []
_RECORDING = [False]
_IGNORED_ROOTS = tuple(
    os.path.realpath(p) + os.sep for p in {sys.prefix, sys.base_prefix, sys.exec_prefix}
)


def _audit(event: str, args: tuple) -> None:
    if event == "open" and _RECORDING[0] and args and isinstance(args[0], (str, bytes, Path)):
        _OPENED.append(os.fsdecode(args[0]))


if not getattr(sys, "_xrjig_untrusted_paths_hook", False):  # audit hooks cannot be removed
    sys.addaudithook(_audit)
    sys._xrjig_untrusted_paths_hook = True  # type: ignore[attr-defined]


def _opened_outside(folder: Path) -> list[str]:
    inside = str(folder.resolve()) + os.sep
    outside = []
    for name in _OPENED:
        real = os.path.realpath(name)
        if real.startswith(inside) or real.startswith(_IGNORED_ROOTS):
            continue  # the model's folder, or Python / library files being imported
        if real.endswith((".py", ".pyc", ".so", ".pth")):
            continue
        outside.append(real)
    return outside


def _load_checked(model: Path) -> Scene | SceneError:
    """Load ``model`` recording opens: nothing outside its folder, only SceneError fails."""
    _OPENED.clear()
    _RECORDING[0] = True
    try:
        result: Scene | SceneError = load_scene(model)
    except SceneError as err:
        result = err
    finally:
        _RECORDING[0] = False
    assert _opened_outside(model.parent) == []
    if isinstance(result, SceneError):
        assert str(result).startswith(str(model)) and "\n" not in str(result)
    return result


@pytest.fixture
def folders(tmp_path: Path) -> tuple[Path, Path]:
    """(model folder, a sibling folder with secrets the model must not reach)."""
    model, outside = tmp_path / "model", tmp_path / "outside"
    model.mkdir()
    outside.mkdir()
    Image.new("RGB", (4, 4), (0, 0, 255)).save(outside / "secret.png")
    (outside / "evil.mtl").write_text("newmtl red\nKd 1 0 0\nmap_Kd secret.png\n")
    Image.new("RGB", (4, 4), (0, 255, 0)).save(model / "green.png")
    # load something real once, so lazy imports (PIL plugins...) are done before recording
    (model / "warm.mtl").write_text("newmtl red\nKd 1 0 0\nmap_Kd green.png\n")
    (model / "warm.obj").write_text("mtllib warm.mtl\n" + TRIANGLE)
    load_scene(model / "warm.obj")
    return model, outside


def _obj(folder: Path, mtllib: str, mtl: str | None = None, name: str = "m") -> Path:
    if mtl is not None:
        (folder / f"{name}.mtl").write_text(mtl)
    path = folder / f"{name}.obj"
    path.write_text(f"mtllib {mtllib}\n{TRIANGLE}")
    return path


def _assert_without_outside_texture(result: Scene | SceneError) -> None:
    """Loaded (or refused): and if loaded, the outside texture (blue) is not in it."""
    if isinstance(result, Scene):
        assert result.meshes and result.meshes[0].primitives[0].triangle_count == 1
        for material in result.materials:
            if material.texture is not None:
                assert not np.all(material.texture[..., :3] == (0, 0, 255))


def test_in_folder_material_and_texture_still_load(folders):
    model, _ = folders
    (model / "sub").mkdir()
    Image.new("RGB", (4, 4), (0, 255, 0)).save(model / "sub" / "tex.png")
    path = _obj(model, "m.mtl", "newmtl red\nKd 1 0 0\nmap_Kd sub/tex.png\n")
    scene = _load_checked(path)
    assert isinstance(scene, Scene)
    (material,) = scene.materials
    assert material.name == "red"
    assert material.texture is not None
    assert np.all(material.texture[..., :3] == (0, 255, 0))


@pytest.mark.parametrize(
    "mtllib",
    ["/etc/passwd", "../outside/evil.mtl", "sub/../../outside/evil.mtl", "{outside}/evil.mtl"],
)
def test_mtllib_outside_the_folder_is_refused(folders, mtllib, caplog):
    model, outside = folders
    path = _obj(model, mtllib.format(outside=outside))
    with caplog.at_level(logging.WARNING, logger="scenes"):
        result = _load_checked(path)
    assert isinstance(result, Scene)  # the geometry, without the material
    assert [m.name for m in result.materials] != ["red"]
    _assert_without_outside_texture(result)
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and str(path) in warnings[0].getMessage()


@pytest.mark.parametrize(
    "map_kd", ["../outside/secret.png", "{outside}/secret.png", "/dev/zero", "/etc/passwd"]
)
def test_texture_outside_the_folder_is_refused(folders, map_kd, caplog):
    model, outside = folders
    mtl = f"newmtl red\nKd 1 0 0\nmap_Kd {map_kd.format(outside=outside)}\n"
    with caplog.at_level(logging.WARNING, logger="scenes"):
        result = _load_checked(_obj(model, "m.mtl", mtl))
    assert isinstance(result, Scene)
    (material,) = result.materials
    assert material.name == "red" and material.texture is None  # the colour stays
    assert any("outside" in r.getMessage() or "relative" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("target", ["outside-mtl", "outside-png", "dev-zero"])
def test_symlinks_leading_out_are_refused(folders, target):
    model, outside = folders
    if target == "outside-mtl":
        (model / "link.mtl").symlink_to(outside / "evil.mtl")
        path = _obj(model, "link.mtl")
    else:
        (model / "link.png").symlink_to(
            "/dev/zero" if target == "dev-zero" else outside / "secret.png"
        )
        path = _obj(model, "m.mtl", "newmtl red\nKd 1 0 0\nmap_Kd link.png\n")
    result = _load_checked(path)
    assert isinstance(result, Scene)
    _assert_without_outside_texture(result)
    if target == "outside-mtl":  # without its library, the material is trimesh's default
        assert [m.name for m in result.materials] != ["red"]
    else:
        assert [(m.name, m.texture) for m in result.materials] == [("red", None)]


@pytest.mark.timeout(20)
@pytest.mark.parametrize("which", ["mtl", "texture"])
def test_fifo_references_do_not_hang(folders, which):
    model, _ = folders
    os.mkfifo(model / "pipe")
    if which == "mtl":
        path = _obj(model, "pipe")
    else:
        path = _obj(model, "m.mtl", "newmtl red\nKd 1 0 0\nmap_Kd pipe\n")
    result = _load_checked(path)
    assert isinstance(result, Scene)
    if which == "mtl":  # without its library, the material is trimesh's default
        assert [m.name for m in result.materials] != ["red"]
    else:
        assert [(m.name, m.texture) for m in result.materials] == [("red", None)]


def test_ply_texture_file_outside_is_refused(folders):
    model, _ = folders
    path = model / "tri.ply"
    path.write_text(
        "ply\nformat ascii 1.0\ncomment TextureFile ../outside/secret.png\n"
        "element vertex 3\nproperty float x\nproperty float y\nproperty float z\n"
        "property float texture_u\nproperty float texture_v\n"
        "element face 1\nproperty list uchar int vertex_indices\nend_header\n"
        "0 0 0 0 0\n1 0 0 1 0\n0 1 0 0 1\n3 0 1 2\n"
    )
    result = _load_checked(path)
    assert isinstance(result, Scene)
    _assert_without_outside_texture(result)


@pytest.mark.timeout(20)
@pytest.mark.parametrize("kind", ["fifo", "symlink-out", "dev-null"])
def test_gltf_uri_must_be_a_regular_file_inside(folders, kind):
    model, outside = folders
    if kind == "fifo":
        os.mkfifo(model / "data.bin")
    elif kind == "symlink-out":
        (outside / "data.bin").write_bytes(bytes(44))
        (model / "data.bin").symlink_to(outside / "data.bin")
    else:
        (model / "data.bin").symlink_to("/dev/null")
    path = model / "m.gltf"
    path.write_text(
        json.dumps(
            {"asset": {"version": "2.0"}, "buffers": [{"uri": "data.bin", "byteLength": 44}]}
        )
    )
    result = _load_checked(path)
    assert isinstance(result, SceneError)
    assert "data.bin" in result.message


# -- the pixel budget: a small file with huge dimensions is refused from its header ------

ROOT = Path(__file__).resolve().parents[1]
#: run a load with at most this much address space: a decoded 21000 x 21000 image needs more
_LIMITED = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
from scenes.model import SceneError
try:
{body}
except SceneError as err:
    print(err, file=sys.stderr)
    sys.exit(1)
print("loaded")
"""


def _run_limited(body: str, limit: int = 1536 * 1024**2) -> subprocess.CompletedProcess[str]:
    code = _LIMITED.format(limit=limit, body=textwrap.indent(body, "    "))
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120, env=env
    )


def _assert_budget_line(proc: subprocess.CompletedProcess[str], path: Path) -> None:
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(str(path))
    assert "21000x21000 pixels, more than the limit of" in lines[0]


@pytest.fixture
def huge_png(tmp_path: Path) -> Path:
    """A PNG of 21000 x 21000 pixels that is ~50 KB on disk."""
    path = tmp_path / "huge.png"
    Image.new("1", (21000, 21000)).save(path)
    assert path.stat().st_size < 200_000
    return path


def test_the_limited_subprocess_loads_a_normal_model(tmp_path):
    Image.new("RGB", (4, 4), (0, 255, 0)).save(tmp_path / "tex.png")
    (tmp_path / "m.mtl").write_text("newmtl red\nmap_Kd tex.png\n")
    (tmp_path / "m.obj").write_text("mtllib m.mtl\n" + TRIANGLE)
    proc = _run_limited(
        f"from scenes.loader import load_scene\nload_scene({str(tmp_path / 'm.obj')!r})"
    )
    assert proc.returncode == 0 and proc.stdout.strip() == "loaded", proc.stderr


@pytest.mark.timeout(120)
def test_huge_obj_texture_is_refused_from_its_header(huge_png):
    (huge_png.parent / "m.mtl").write_text("newmtl red\nmap_Kd huge.png\n")
    path = huge_png.parent / "m.obj"
    path.write_text("mtllib m.mtl\n" + TRIANGLE)
    proc = _run_limited(f"from scenes.loader import load_scene\nload_scene({str(path)!r})")
    _assert_budget_line(proc, path)


@pytest.mark.timeout(120)
def test_huge_gltf_texture_is_refused_from_its_header(huge_png):
    path = huge_png.parent / "m.gltf"
    path.write_text(
        json.dumps(
            {
                "asset": {"version": "2.0"},
                "images": [{"uri": "huge.png"}],
                "textures": [{"source": 0}],
                "materials": [{"pbrMetallicRoughness": {"baseColorTexture": {"index": 0}}}],
            }
        )
    )
    proc = _run_limited(f"from scenes.loader import load_scene\nload_scene({str(path)!r})")
    _assert_budget_line(proc, path)


@pytest.mark.timeout(120)
def test_huge_tracked_image_is_refused_from_its_header(huge_png):
    proc = _run_limited(
        f"from devices.camera.source import FrameSource\nFrameSource({str(huge_png)!r})"
    )
    _assert_budget_line(proc, huge_png)
