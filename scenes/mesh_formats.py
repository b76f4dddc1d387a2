"""OBJ, STL and PLY -> Scene, through trimesh (a well-kept reader of all three).

The scene is a root node named after the file with one child per geometry trimesh
yields: per object/group (and material) for OBJ, per solid for multi-solid STL, one for
PLY. Connected bodies are not split further: a part made of several shells (a bolt with
its washer) is still one part. Colours come from trimesh's visuals (main colour, or the
texture image when the file has UVs and one).

Files an OBJ (``mtllib``, ``map_Kd``) or PLY (``comment TextureFile``) refers to are
fetched only through :class:`_FolderResolver`, which obeys the same rules as glTF URIs
(:func:`scenes.gltf_container.read_inside`). A refused or missing reference loses the
material or texture, not the model: the geometry loads and one warning says why.
"""

from __future__ import annotations

import contextlib
import logging
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import trimesh

from scenes.gltf import assign_paths
from scenes.gltf_container import MAX_FILE_BYTES, read_inside
from scenes.gltf_primitives import build_primitive, vertex_colors
from scenes.image_budget import check_image, check_size
from scenes.model import Material, Mesh, Node, Primitive, Scene, SceneError
from scenes.transforms import MAX_COORDINATE

log = logging.getLogger(__name__)

TRIMESH_SUFFIXES: tuple[str, ...] = (".obj", ".stl", ".ply")
#: What trimesh's parsers raise on malformed input (it has no single error type).
#: ImportError: trimesh decodes non-UTF-8 text with the optional charset-normalizer.
#: what trimesh raises on files it cannot parse (its parsers do not wrap their errors)
_PARSE_ERRORS = (
    ValueError, KeyError, IndexError, TypeError, AttributeError, AssertionError,
    struct.error, zlib.error, UnicodeError, OSError, OverflowError, MemoryError, ImportError,
    NameError,  # trimesh 4.12 PLY header parser: UnboundLocalError on some bad headers
)  # fmt: skip


class _FolderResolver(trimesh.resolvers.Resolver):
    """trimesh's access to the files a model refers to, kept inside the model's folder.

    trimesh's own FilePathResolver opens any path it is given (``mtllib /etc/passwd``,
    ``map_Kd /dev/zero``, ``../x.mtl``) and then tries the bare file name. This one reads
    only through :func:`read_inside`; a refusal is remembered (for one warning) and
    raised as OSError, which trimesh treats as "no such material / texture".
    """

    def __init__(self, model: Path) -> None:
        self.model = model
        self.parent = str(model.resolve().parent)  # parse_mtl records texture paths by it
        self.file_name = model.name  # trimesh names an unnamed OBJ geometry after it
        self.refused: list[str] = []
        #: an image over the pixel budget: refuses the whole model (as glTF does)
        self.too_big: SceneError | None = None

    def get(self, name: str) -> bytes:
        name = str(name).strip()
        try:
            data = read_inside(self.model, name, "material/texture reference")
        except SceneError as err:
            self.refused.append(err.message)
            raise OSError(err.message) from None
        try:
            check_image(self.model, f"texture {name[:80]!r}", data)
        except SceneError as err:
            self.too_big = self.too_big or err
            raise OSError(err.message) from None
        return data

    def keys(self):  # type: ignore[no-untyped-def]
        return iter(())

    def write(self, name: str, data: object) -> None:
        raise OSError("writing next to an untrusted model is not allowed")

    def namespaced(self, namespace: str) -> _FolderResolver:
        raise OSError("sub-folder resolvers are not supported")


@contextlib.contextmanager
def _trimesh_quiet() -> Iterator[None]:
    """trimesh logs what it skips with a traceback (a texture our resolver refused: "unable
    to load image!"); what was refused is said once, in our words, after loading."""
    logger = logging.getLogger("trimesh")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def load_trimesh_file(path: Path) -> Scene:
    """Read an OBJ, STL or PLY file; raises SceneError when trimesh cannot make sense of it."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise SceneError(path, f"file is {size} bytes, over the {MAX_FILE_BYTES} byte limit")
    if size == 0:
        raise SceneError(path, "file is empty")
    try:
        resolver = _FolderResolver(path)
        with _trimesh_quiet():
            loaded = trimesh.load(str(path), force="scene", process=False, resolver=resolver)
    except _PARSE_ERRORS as err:
        raise SceneError(
            path,
            f"cannot read this {path.suffix.lower()} file ({type(err).__name__}: {str(err)[:120]})",
        ) from None
    if resolver.too_big is not None:
        raise resolver.too_big
    # our own conversion checks what it reads (SceneError); anything else it raises is a bug
    nodes, meshes, materials = _convert(path, loaded)
    if not meshes:
        raise SceneError(path, "the file holds no triangles or points")
    if resolver.refused:
        more = f" (and {len(resolver.refused) - 1} more)" if len(resolver.refused) > 1 else ""
        log.warning(
            "%s: loaded without a material or texture: %s%s", path, resolver.refused[0], more
        )
    assign_paths(nodes, [0])
    return Scene(path, nodes, meshes, materials, roots=[0])


def _convert(path: Path, loaded: trimesh.Scene) -> tuple[list[Node], list[Mesh], list[Material]]:
    """trimesh scene graph -> a root node with one child per geometry instance."""
    nodes = [Node(index=0, name=path.stem, path="", local=np.eye(4))]
    meshes: list[Mesh] = []
    materials: list[Material] = []
    for name in loaded.graph.nodes_geometry:
        world, geom_name = loaded.graph[name]
        prim = _primitive(path, loaded.geometry[geom_name], len(materials), materials)
        if prim is None:
            continue
        meshes.append(Mesh(name=str(name), primitives=[prim]))
        nodes.append(
            Node(
                index=len(nodes),
                name=str(name),
                path="",
                local=np.array(world, dtype=np.float64),
                parent=0,
                mesh=len(meshes) - 1,
            )
        )
        nodes[0].children.append(len(nodes) - 1)
    return nodes, meshes, materials


def _primitive(
    path: Path, geom: object, material_index: int, materials: list[Material]
) -> Primitive | None:
    if isinstance(geom, trimesh.Trimesh):
        if len(geom.faces) == 0:
            return None
        positions = _positions(path, geom.vertices)
        faces = np.asarray(geom.faces, dtype=np.int64)
        if faces.ndim != 2 or faces.shape[1] != 3:
            raise SceneError(path, "faces are not triples")
        if faces.min() < 0 or faces.max() >= len(positions):
            raise SceneError(path, "a face refers to a vertex that does not exist")
        uvs = getattr(geom.visual, "uv", None)
        if uvs is not None and len(uvs) == len(positions):
            if not np.all(np.isfinite(np.asarray(uvs, np.float64))):
                raise SceneError(path, "a texture coordinate is not a finite number")
            # OBJ and PLY count v up from the image's bottom row; the model (and the
            # renderer) count it down from the top row, as glTF does
            uvs = np.asarray(uvs, np.float32) * [1.0, -1.0] + [0.0, 1.0]
        else:
            uvs = None
        colors = None
        if geom.visual.kind == "vertex":  # a coloured scan
            colors = vertex_colors(_unit(geom.visual.vertex_colors), len(positions))
        elif geom.visual.kind == "face":  # per-face colours stay hard: one vertex per corner
            corner_colors = np.repeat(_unit(geom.visual.face_colors), 3, axis=0)
            colors = vertex_colors(corner_colors, 3 * len(faces))
            if colors is not None:
                positions, uvs = positions[faces.ravel()], None
                faces = np.arange(3 * len(faces)).reshape(-1, 3)
        # per-vertex colours carry the colour; the material then only multiplies by white
        materials.append(_vertex_coloured() if colors is not None else _material(path, geom))
        prim = build_primitive(
            positions, faces.astype(np.uint32), "triangles", None, uvs, material_index, colors
        )
        return prim
    if isinstance(geom, trimesh.PointCloud) and len(geom.vertices):
        positions = _positions(path, geom.vertices)
        colors = getattr(geom, "colors", None)
        colors = vertex_colors(_unit(colors), len(positions)) if colors is not None else None
        materials.append(_vertex_coloured() if colors is not None else Material(name="points"))
        idx = np.arange(len(positions), dtype=np.uint32).reshape(-1, 1)
        return Primitive(
            positions=positions, indices=idx, mode="points", material=material_index, colors=colors
        )
    return None


def _positions(path: Path, vertices: np.ndarray) -> np.ndarray:
    """Vertices as (n, 3) float32, refused unless every coordinate is a finite number
    within ±MAX_COORDINATE: a text file's ``1e400`` reads as infinity, and ``1e300``
    would become one in float32 (checked on trimesh's float64, before the cast)."""
    raw = np.asarray(vertices, dtype=np.float64)
    if raw.ndim != 2 or raw.shape[1] != 3:
        raise SceneError(path, "vertices are not triples")
    if not np.all(np.isfinite(raw)):
        raise SceneError(path, "a vertex coordinate is not a finite number")
    if len(raw) and np.abs(raw).max() > MAX_COORDINATE:
        far = float(np.abs(raw).max())
        raise SceneError(
            path, f"a vertex coordinate is {far:.3g}, beyond the limit of ±{MAX_COORDINATE:g}"
        )
    return raw.astype(np.float32)


def _vertex_coloured() -> Material:
    """The material of geometry coloured per vertex: white, so the colours show as they are."""
    return Material(name="vertex colours", base_color=(1.0, 1.0, 1.0, 1.0))


def _unit(colors: np.ndarray) -> np.ndarray:
    """trimesh's colours ((n, 3 or 4) uint8, or floats in [0, 1]) as floats in [0, 1]."""
    colors = np.asarray(colors)
    return colors / 255.0 if colors.dtype.kind in "ui" else colors


def _material(path: Path, mesh: trimesh.Trimesh) -> Material:
    visual = mesh.visual
    texture = None
    if visual.kind == "texture":
        mat = visual.material
        image = getattr(mat, "image", None) or getattr(mat, "baseColorTexture", None)
        if image is not None:  # still lazy: check the header's size before decoding
            check_size(path, "texture", *image.size)
            texture = np.asarray(image.convert("RGBA"), dtype=np.uint8)
        color = np.asarray(getattr(mat, "main_color", [204, 204, 204, 255]), dtype=np.float64)
    else:
        color = np.asarray(visual.main_color, dtype=np.float64)
    rgba = tuple(float(c) for c in np.clip(color / 255.0, 0.0, 1.0))
    return Material(
        name=str(getattr(getattr(visual, "material", None), "name", "") or ""),
        base_color=rgba,
        texture=texture,
    )  # type: ignore[arg-type]
