"""glTF 2.0 (.gltf / .glb) -> :class:`~scenes.model.Scene`.

Keeps what an interaction prototype needs: the node tree of the default scene (names,
local transforms), meshes with all their primitives (triangles, lines, points),
base-colour materials and textures. Skins, animations, cameras and morph targets are
ignored. The container and accessors are read by the sibling ``gltf_*`` modules, which
check every size and URI first (see their docstrings).
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from PIL import Image

from scenes.gltf_accessors import AccessorReader
from scenes.gltf_container import (
    GltfDocument,
    as_float,
    as_int,
    describe,
    read_document,
    read_uri,
)
from scenes.gltf_extras import read_xrjig_extras
from scenes.gltf_primitives import MODE_NAMES, build_primitive, unroll, vertex_colors
from scenes.image_budget import MAX_IMAGE_PIXELS, check_image, check_size
from scenes.model import Material, Mesh, Node, Primitive, Scene
from scenes.transforms import MAX_COORDINATE, quat_to_matrix

#: Extensions that change how geometry is stored; without them the file cannot be read.
UNSUPPORTED_REQUIRED = (
    "KHR_draco_mesh_compression",
    "EXT_meshopt_compression",
    "KHR_texture_basisu",
)
#: Texture formats we recognise but do not decode (KTX2, DDS; WebP is RIFF....WEBP).
OTHER_IMAGE_MAGIC = (b"\xabKTX 20\xbb", b"DDS ")
#: Deepest node tree accepted: real CAD assemblies stay under ~30 levels, and the scene
#: model walks trees recursively.
MAX_DEPTH = 256
#: How far a node matrix's last row may stray from (0, 0, 0, 1), the affine row glTF
#: requires (a projective matrix cannot be decomposed into translation, rotation, scale):
#: float noise of an exporter passes, and the row is then set exactly.
AFFINE_TOLERANCE = 1e-6
#: Largest texture we decode (pixels); a bigger one is refused rather than eating memory.
MAX_TEXTURE_PIXELS = MAX_IMAGE_PIXELS


class GltfRead(NamedTuple):
    """A loaded glTF file with what a post-processor needs to relate the Scene to it."""

    scene: Scene
    doc: GltfDocument
    #: Scene node index -> glTF node index, and glTF mesh index -> Scene mesh index
    node_order: list[int]
    mesh_map: dict[int, int]
    reader: AccessorReader


def load_gltf(path: Path) -> Scene:
    """Read a .gltf or .glb file; raises SceneError for anything that cannot be used."""
    return read_gltf(path).scene


def read_gltf(path: Path) -> GltfRead:
    """:func:`load_gltf`, keeping the document and the index maps (the STEP converter
    reads cascadio's B-rep extensions beside the geometry)."""
    doc = read_document(path)
    required = doc.json.get("extensionsRequired", [])
    blocked = (
        [e for e in required if e in UNSUPPORTED_REQUIRED] if isinstance(required, list) else []
    )
    if blocked:
        raise doc.error(f"needs the glTF extension {blocked[0]}, which xrjig cannot decode")
    order, parents, kids = _scene_nodes(doc)
    new_index = {old: new for new, old in enumerate(order)}
    input_bytes = path.stat().st_size + sum(len(b) for b in doc.buffers if b is not None)
    reader = AccessorReader(doc, input_bytes)
    # materials first: a material's texture says which TEXCOORD set its primitives use
    materials, texture_uvs = _materials(doc, reader)
    mesh_map: dict[int, int] = {}
    meshes: list[Mesh] = []
    nodes: list[Node] = []
    for new, old in enumerate(order):
        spec = doc.item("nodes", old, "scene")
        mesh = None
        if spec.get("mesh") is not None:
            m = as_int(spec["mesh"])
            if m is None or m not in mesh_map:
                meshes.append(_mesh(doc, reader, spec["mesh"], texture_uvs))
                mesh_map[m] = len(meshes) - 1  # type: ignore[index]
            mesh = mesh_map[m]  # type: ignore[index]
        name = spec.get("name")
        if not isinstance(name, str) or not name:
            name = meshes[mesh].name if mesh is not None else ""
        parent = parents.get(old)
        nodes.append(
            Node(
                index=new,
                name=name,
                path="",
                local=_local_matrix(doc, old, spec),
                parent=None if parent is None else new_index[parent],
                children=[new_index[c] for c in kids[old]],
                mesh=mesh,
            )
        )
    roots = [n.index for n in nodes if n.parent is None]
    assign_paths(nodes, roots)
    for mesh in meshes:
        for prim in mesh.primitives:
            if prim.material is not None and prim.material >= len(materials):
                raise doc.error(
                    f"mesh {mesh.name!r} uses material {prim.material}, which does not exist"
                )
    scene = Scene(path, nodes, meshes, materials, roots=roots)
    read_xrjig_extras(doc, scene, order, mesh_map)
    return GltfRead(scene, doc, order, mesh_map, reader)


def _scene_nodes(doc: GltfDocument) -> tuple[list[int], dict[int, int], list[list[int]]]:
    """Nodes of the default scene in depth-first order, child -> parent, and children lists.

    Checks the hierarchy is a forest: children exist, no node has two parents, no cycles.
    """
    all_nodes = doc.items("nodes")
    parents: dict[int, int] = {}
    kids: list[list[int]] = []
    for i, spec in enumerate(all_nodes):
        if not isinstance(spec, dict):
            raise doc.error(f"node {i} is not an object")
        children = spec.get("children", [])
        if not isinstance(children, list):
            raise doc.error(f"node {i} has children that are not an array")
        kids.append([])
        for value in children:
            doc.item("nodes", value, f"node {i}")
            c = as_int(value)
            kids[i].append(c)  # type: ignore[arg-type]
            if c == i:
                raise doc.error(f"node {i} is its own child (a cycle in the node tree)")
            if c in parents:
                raise doc.error(f"node {c} has two parents (nodes {parents[c]} and {i})")
            parents[c] = i
    scenes = doc.items("scenes")
    if scenes:
        chosen = doc.json.get("scene", 0)
        scene = doc.item("scenes", chosen, "the default scene")
        roots = scene.get("nodes", [])
        if not isinstance(roots, list):
            raise doc.error(f"scene {chosen} has nodes that are not an array")
    else:
        roots = [i for i in range(len(all_nodes)) if i not in parents]
    order: list[int] = []
    seen: set[int] = set()
    for value in roots:
        doc.item("nodes", value, "the scene")
        r = as_int(value)
        if r in parents:
            raise doc.error(f"scene root node {r} is also a child of node {parents[r]}")
        stack = [(r, 1)]
        while stack:
            i, depth = stack.pop()
            if i in seen:
                raise doc.error(
                    f"node {i} is reached twice from the scene (a cycle or a repeated root)"
                )
            if depth > MAX_DEPTH:
                raise doc.error(f"the node tree is deeper than {MAX_DEPTH} levels")
            seen.add(i)
            order.append(i)
            stack.extend((c, depth + 1) for c in reversed(kids[i]))
    _check_acyclic(doc, parents, len(all_nodes))
    return order, {c: p for c, p in parents.items() if c in seen}, kids


def _check_acyclic(doc: GltfDocument, parents: dict[int, int], n: int) -> None:
    """Each node has one parent, so a cycle shows as a parent chain that never ends."""
    done: set[int] = set()
    for start in range(n):
        chain: list[int] = []
        i: int | None = start
        on_chain: set[int] = set()
        while i is not None and i not in done:
            if i in on_chain:
                raise doc.error(f"the node tree has a cycle through node {i}")
            on_chain.add(i)
            chain.append(i)
            i = parents.get(i)
        done.update(chain)


def _local_matrix(doc: GltfDocument, index: int, spec: dict[str, Any]) -> np.ndarray:
    """The node's matrix, or its translation * rotation * scale; every number finite and
    within ±MAX_COORDINATE, so no one node overflows (what the tree multiplies them to is
    checked once for all nodes, by :func:`scenes.loader.check_placement`)."""
    where = f"nodes[{index}]"
    if "matrix" in spec:
        m = doc.numbers(spec["matrix"], 16, f"{where}.matrix", MAX_COORDINATE).reshape(4, 4).T
        if np.abs(m[3] - (0.0, 0.0, 0.0, 1.0)).max() > AFFINE_TOLERANCE:
            raise doc.error(
                f"{where}.matrix: not a translation-rotation-scale matrix "
                "(its last row must be 0, 0, 0, 1)"
            )
        m = m.copy()
        m[3] = (0.0, 0.0, 0.0, 1.0)  # exactly: an inverse must stay affine too
        return m
    m = np.eye(4)
    if "rotation" in spec:
        q = doc.numbers(spec["rotation"], 4, f"{where}.rotation", MAX_COORDINATE)
        if np.linalg.norm(q) < 1e-12:
            raise doc.error(f"{where}.rotation: a zero rotation quaternion")
        m[:3, :3] = quat_to_matrix(q)
    if "scale" in spec:
        m[:3, :3] = m[:3, :3] * doc.numbers(spec["scale"], 3, f"{where}.scale", MAX_COORDINATE)
    if "translation" in spec:
        m[:3, 3] = doc.numbers(spec["translation"], 3, f"{where}.translation", MAX_COORDINATE)
    return m


def assign_paths(nodes: list[Node], roots: list[int]) -> None:
    """Fill ``Node.path``: ancestor names joined by '/', '[i]' among equally named siblings."""

    todo = [("", roots)]
    while todo:
        prefix, siblings = todo.pop()
        segments = [(nodes[i].name or "node").replace("/", "_") for i in siblings]
        totals: dict[str, int] = {}
        for s in segments:
            totals[s] = totals.get(s, 0) + 1
        used: set[str] = set()
        seen: dict[str, int] = {}
        for i, seg in zip(siblings, segments, strict=True):
            k = seen.get(seg, 0)
            label = f"{seg}[{k}]" if totals[seg] > 1 else seg
            while label in used:  # a sibling literally named "nut[1]" next to two "nut"s
                k += 1
                label = f"{seg}[{k}]"
            seen[seg] = k + 1
            used.add(label)
            nodes[i].path = f"{prefix}/{label}" if prefix else label
            todo.append((nodes[i].path, nodes[i].children))


def _mesh(
    doc: GltfDocument, reader: AccessorReader, index: Any, texture_uvs: list[TextureUvs]
) -> Mesh:
    spec = doc.item("meshes", index, "a node")
    prims_spec = spec.get("primitives", [])
    if not isinstance(prims_spec, list):
        raise doc.error(f"mesh {index} has primitives that are not an array")
    name = spec.get("name") if isinstance(spec.get("name"), str) else ""
    prims = [
        _primitive(doc, reader, index, k, spec, texture_uvs) for k, spec in enumerate(prims_spec)
    ]
    return Mesh(name=name, primitives=[p for p in prims if p is not None])


def _primitive(
    doc: GltfDocument,
    reader: AccessorReader,
    mesh: Any,
    k: int,
    spec: Any,
    texture_uvs: list[TextureUvs],
) -> Primitive | None:
    what = f"mesh {mesh} primitive {k}"
    if not isinstance(spec, dict) or not isinstance(spec.get("attributes"), dict):
        raise doc.error(f"{what} has no attributes object")
    attrs = spec["attributes"]
    if "POSITION" not in attrs:
        return None  # nothing to draw or pick
    mode = as_int(spec.get("mode", 4))
    if mode not in MODE_NAMES:
        raise doc.error(f"{what} has an unknown mode {mode!r}")
    positions = reader.read_float(attrs["POSITION"], what)
    if positions.ndim != 2 or positions.shape[1] != 3:
        raise doc.error(f"{what} POSITION is not VEC3")
    n = len(positions)
    normals = uvs = None
    if "NORMAL" in attrs:
        normals = reader.read_float(attrs["NORMAL"], what)
        if normals.shape != positions.shape:
            normals = None  # unusable; recomputed below
    material = spec.get("material")
    material = material if material is None else as_int(material)
    if material is not None and (
        not isinstance(material, int) or isinstance(material, bool) or material < 0
    ):
        raise doc.error(f"{what} has an invalid material {material!r}")
    uv_set = (
        texture_uvs[material] if material is not None and material < len(texture_uvs) else None
    )
    uv_name = f"TEXCOORD_{uv_set.tex_coord if uv_set is not None else 0}"
    if uv_name in attrs:
        uvs = reader.read_float(attrs[uv_name], what)
        if uvs.ndim != 2 or uvs.shape != (n, 2):
            uvs = None
        elif uv_set is not None and uv_set.transform is not None:
            uvs = uvs @ uv_set.transform[:, :2].T + uv_set.transform[:, 2]
    colors = None
    if "COLOR_0" in attrs:  # linear RGB(A), float or normalized integers
        colors = vertex_colors(reader.read_float(attrs["COLOR_0"], what), n)
    if spec.get("indices") is not None:
        indices = reader.read(spec["indices"], what)
        if indices.ndim != 1 or indices.dtype.kind != "u":
            raise doc.error(f"{what} indices must be unsigned SCALAR")
        if len(indices) and int(indices.max()) >= n:
            raise doc.error(f"{what} has index {int(indices.max())} but only {n} vertices")
    else:
        indices = np.arange(n, dtype=np.uint32)
    reader.charge(len(indices) * 12, what)
    elements = unroll(indices, mode)
    return build_primitive(positions, elements, MODE_NAMES[mode], normals, uvs, material, colors)


class TextureUvs(NamedTuple):
    """How a material's base-colour texture maps onto its primitives: which TEXCOORD set,
    and the KHR_texture_transform (a (2, 3) affine map of uv), if any."""

    tex_coord: int
    transform: np.ndarray | None


def _materials(doc: GltfDocument, reader: AccessorReader) -> tuple[list[Material], list[TextureUvs]]:
    """The materials, and for each how its texture maps (see ``TextureUvs``).

    Metallic-roughness is glTF's own model; materials from older exporters that only carry
    KHR_materials_pbrSpecularGlossiness give their diffuse colour and texture instead."""
    images: dict[int, np.ndarray] = {}
    out: list[Material] = []
    uv_sets: list[TextureUvs] = []
    for i, spec in enumerate(doc.items("materials")):
        if not isinstance(spec, dict):
            raise doc.error(f"material {i} is not an object")
        pbr = spec.get("pbrMetallicRoughness")
        extensions = spec.get("extensions")
        spec_gloss = (
            extensions.get("KHR_materials_pbrSpecularGlossiness")
            if isinstance(extensions, dict)
            else None
        )
        if not isinstance(pbr, dict) and isinstance(spec_gloss, dict):
            color_key, texture_key, pbr = "diffuseFactor", "diffuseTexture", spec_gloss
            where = f"materials[{i}].extensions.KHR_materials_pbrSpecularGlossiness"
        else:
            color_key, texture_key = "baseColorFactor", "baseColorTexture"
            pbr = pbr if isinstance(pbr, dict) else {}
            where = f"materials[{i}].pbrMetallicRoughness"
        color = doc.numbers(pbr.get(color_key, [1.0, 1.0, 1.0, 1.0]), 4, f"{where}.{color_key}")
        texture = None
        wrap = (REPEAT, REPEAT)
        uv_set = TextureUvs(0, None)
        tex_ref = pbr.get(texture_key)
        if isinstance(tex_ref, dict):
            tex = doc.item("textures", tex_ref.get("index"), f"material {i}")
            wrap = _wrap(doc, tex.get("sampler"))
            source = tex.get("source")
            source = source if source is None else as_int(source)
            if source is not None:
                if source not in images:
                    images[source] = _image(doc, reader, source, f"material {i}")
                texture = images[source]
            uv_set = _texture_uvs(doc, tex_ref, f"{where}.{texture_key}")
        uv_sets.append(uv_set)
        out.append(
            Material(
                name=spec.get("name") if isinstance(spec.get("name"), str) else "",
                base_color=tuple(float(c) for c in np.clip(color, 0.0, 1.0)),  # type: ignore[arg-type]
                texture=texture,
                metallic=float(np.clip(_scalar(pbr, "metallicFactor", 1.0), 0.0, 1.0)),
                roughness=float(np.clip(_scalar(pbr, "roughnessFactor", 1.0), 0.0, 1.0)),
                double_sided=bool(spec.get("doubleSided", False)),
                alpha_mode=spec.get("alphaMode")
                if spec.get("alphaMode") in ("OPAQUE", "MASK", "BLEND")
                else "OPAQUE",
                unlit=isinstance(extensions, dict) and "KHR_materials_unlit" in extensions,
                texture_wrap=wrap,
            )
        )
    return out, uv_sets


#: glTF sampler wrap modes (OpenGL enums); anything else reads as the default, REPEAT
REPEAT, WRAP_MODES = 10497, (10497, 33071, 33648)


def _wrap(doc: GltfDocument, sampler: Any) -> tuple[int, int]:
    """(wrapS, wrapT) of a texture's sampler; REPEAT where it says nothing valid (a wrong
    sampler only changes how a texture tiles: not worth refusing the model for)."""
    samplers = doc.items("samplers")
    index = as_int(sampler)
    if not isinstance(index, int) or not 0 <= index < len(samplers):
        return REPEAT, REPEAT
    spec = samplers[index] if isinstance(samplers[index], dict) else {}
    modes = [as_int(spec.get(key, REPEAT)) for key in ("wrapS", "wrapT")]
    return tuple(m if m in WRAP_MODES else REPEAT for m in modes)  # type: ignore[return-value]


def _texture_uvs(doc: GltfDocument, tex_ref: dict[str, Any], what: str) -> TextureUvs:
    """A textureInfo's TEXCOORD set and KHR_texture_transform (offset, rotation, scale)."""
    tex_coord = as_int(tex_ref.get("texCoord", 0))
    if not isinstance(tex_coord, int) or isinstance(tex_coord, bool) or not 0 <= tex_coord < 8:
        shown = describe(tex_ref.get("texCoord"))
        raise doc.error(f"{what}.texCoord: {shown} is not a TEXCOORD set (0 to 7)")
    extensions = tex_ref.get("extensions")
    spec = extensions.get("KHR_texture_transform") if isinstance(extensions, dict) else None
    if not isinstance(spec, dict):
        return TextureUvs(tex_coord, None)
    where = f"{what}.extensions.KHR_texture_transform"
    offset = doc.numbers(spec.get("offset", [0.0, 0.0]), 2, f"{where}.offset", MAX_COORDINATE)
    scale = doc.numbers(spec.get("scale", [1.0, 1.0]), 2, f"{where}.scale", MAX_COORDINATE)
    rotation = _scalar(spec, "rotation", 0.0)
    c, s = np.cos(rotation), np.sin(rotation)
    # uv' = T(offset) R(rotation) S(scale) uv, with R as implementations and Khronos'
    # TextureTransformTest model have it (glTF issue 1563: the extension's GLSL listing
    # rotates the other way)
    transform = np.array(
        [[c * scale[0], s * scale[1], offset[0]], [-s * scale[0], c * scale[1], offset[1]]]
    )
    override = spec.get("texCoord")
    if override is not None:
        tex_coord = _texture_uvs(doc, {"texCoord": override}, where).tex_coord
    return TextureUvs(tex_coord, transform)


def _scalar(spec: dict[str, Any], key: str, default: float) -> float:
    """A number that only shades (metallic, roughness, a texture's rotation): the default
    when it is anything but a finite number -- a wrong one is not worth refusing the model."""
    value = as_float(spec.get(key, default))
    return default if value is None else value


def _image(doc: GltfDocument, reader: AccessorReader, index: Any, what: str) -> np.ndarray | None:
    """Decode a PNG or JPEG image into (H, W, 4) uint8, refusing oversized images up front.

    Other real image formats (WebP, KTX2, DDS from texture extensions) give None: the
    material keeps its base colour. Bytes that are no image at all are an error.
    """
    spec = doc.item("images", index, what)
    name = f"image {index}"
    if isinstance(spec.get("uri"), str):
        data = read_uri(doc, spec["uri"], name)
    elif spec.get("bufferView") is not None:
        buffer, offset, length, _ = reader.view_bytes(spec["bufferView"], name)
        data = bytes(buffer[offset : offset + length])  # an image is decoded from a copy of its bytes
    else:
        raise doc.error(f"{name} has neither a uri nor a bufferView")
    if data.startswith(OTHER_IMAGE_MAGIC) or data[8:12] == b"WEBP":
        return None
    check_image(doc.path, name, data)  # the header's size, before PIL's own bomb check
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=["PNG", "JPEG"]) as img:
                w, h = img.size
                check_size(doc.path, name, w, h)
                reader.charge(w * h * 4, name)
                rgba = np.asarray(img.convert("RGBA"), dtype=np.uint8)
    except (
        OSError,
        ValueError,
        SyntaxError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as err:
        raise doc.error(f"{name} cannot be decoded as PNG or JPEG ({err})") from None
    return rgba
