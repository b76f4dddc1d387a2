"""Reading the glTF container: the JSON document and its binary buffers, untrusted.

A glTF file may come from anyone, so everything here is checked before it is used:
the GLB header and chunks, every buffer URI (only ``data:`` URIs and relative paths that
stay inside the model's folder, symlinks resolved), and every declared size against the
bytes that really exist — so a file that lies about its sizes is refused before anything
is allocated. Problems become one :class:`~scenes.model.SceneError`.

Own code rather than pygltflib: pygltflib parses the JSON into dataclasses but does not
check sizes, URIs or chunk layout, and would still need every check written here.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import os
import stat
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import numpy as np

from scenes.model import SceneError

GLB_MAGIC = b"glTF"
CHUNK_JSON = 0x4E4F534A
CHUNK_BIN = 0x004E4942
#: Largest model file (or external buffer / image) we read at all.
MAX_FILE_BYTES = 2 * 1024**3
#: Largest JSON document: real CAD exports stay far below this.
MAX_JSON_BYTES = 256 * 1024**2
#: a resolved path has no symlink left; one appearing after resolve() is refused
_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
#: POSIX only (Windows has no FIFOs to block on, nor these flags)
_OPEN_FLAGS = getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
#: Largest magnitude of an integer read where glTF expects one (index, count, offset,
#: enum): 2**53, the largest integer every JSON reader keeps exact. Python's json reads
#: integers of any size (up to 4300 digits); past this bound nothing in a file of at most
#: MAX_FILE_BYTES can be counted, and sums of such values would overflow NumPy and C sizes.
MAX_JSON_INT = 2**53


def as_int(value: Any) -> int | None:
    """An integer JSON value (also written as 1.0 or 1e0, which glTF allows) within
    ±MAX_JSON_INT, else None -- which every caller reports as an invalid index or size,
    so a 400-digit index is "does not exist", never an OverflowError further on."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        if not value.is_integer():  # also NaN and the infinities
            return None
        value = int(value)
    if isinstance(value, int) and -MAX_JSON_INT <= value <= MAX_JSON_INT:
        return value
    return None


def as_float(value: Any) -> float | None:
    """A finite JSON number as a float, else None: integers of any size are numbers, but one
    past the float range (``float(10**400)`` is an OverflowError) is as unusable as the
    infinity ``1e400`` parses to, or as a bool, a string or null."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        out = float(value)
    except OverflowError:
        return None
    return out if math.isfinite(out) else None


def describe(value: Any) -> str:
    """A JSON value for an error message, kept short: a 400-digit integer or a long string
    must not turn the one-line error into a screenful."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**15:
        return f"a {math.floor(value.bit_length() * math.log10(2)) + 1}-digit integer"
    if isinstance(value, list):
        return f"an array of {len(value)}"
    if isinstance(value, dict):
        return "an object"
    text = json.dumps(value)  # null, true, "text", Infinity: as the file spells them
    return text if len(text) <= 24 else text[:21] + "..."


@dataclass
class GltfDocument:
    """The parsed JSON plus the bytes of every buffer, sizes already checked.

    A buffer is None when it has no data (no uri in a .gltf): only an error if used.
    """

    path: Path
    json: dict[str, Any]
    buffers: list[bytes | memoryview | None]

    def error(self, message: str) -> SceneError:
        return SceneError(self.path, message)

    def buffer(self, index: Any, what: str) -> bytes | memoryview:
        self.item("buffers", index, what)
        data = self.buffers[as_int(index)]  # type: ignore[index]
        if data is None:
            raise self.error(f"buffer {index} has no uri and there is no GLB binary chunk for it")
        return data

    def numbers(self, value: Any, n: int, where: str, limit: float = math.inf) -> np.ndarray:
        """``value`` as (n,) float64, when it is a JSON array of n finite numbers within
        ±``limit``; anything else (a string, null, a bool, a 400-digit integer, 1e400, 1e308
        past the limit, a wrong length) is a SceneError naming ``where``, a JSON path such
        as ``nodes[3].matrix``."""
        if not isinstance(value, list) or len(value) != n:
            raise self.error(f"{where}: not {n} finite numbers (got {describe(value)})")
        out = [as_float(v) for v in value]
        for k, v in enumerate(out):
            if v is None:
                raise self.error(
                    f"{where}: not {n} finite numbers ({where}[{k}] is {describe(value[k])})"
                )
            if abs(v) > limit:
                raise self.error(f"{where}[{k}]: {v:g} is beyond the limit of ±{limit:g}")
        return np.array(out, dtype=np.float64)

    def items(self, key: str) -> list[Any]:
        """The top-level array ``key`` ([] when absent), checked to be a list."""
        value = self.json.get(key, [])
        if not isinstance(value, list):
            raise self.error(f'"{key}" must be an array')
        return value

    def item(self, key: str, index: Any, what: str) -> dict[str, Any]:
        """Element ``index`` of the top-level array ``key``, with a clear error when missing."""
        items = self.items(key)
        i = as_int(index)
        if i is None or not 0 <= i < len(items):
            raise self.error(
                f"{what} refers to {_singular(key)} {describe(index)}, which does not exist"
            )
        value = items[i]
        if not isinstance(value, dict):
            raise self.error(f"{_singular(key)} {i} is not an object")
        return value


def _singular(key: str) -> str:
    return {"meshes": "mesh", "accessors": "accessor"}.get(key, key.rstrip("s"))


def read_document(path: Path) -> GltfDocument:
    """Read a .gltf or .glb file and every buffer it refers to."""
    data = _read_bounded(path, path, "model file")
    if data[:4] == GLB_MAGIC or path.suffix.lower() == ".glb":
        doc_json, bin_chunk = _split_glb(path, data)
    else:
        doc_json, bin_chunk = _parse_json(path, data), None
    doc = GltfDocument(path=path, json=doc_json, buffers=[])
    doc.buffers = [_load_buffer(doc, i, b, bin_chunk) for i, b in enumerate(doc.items("buffers"))]
    return doc


def _read_bounded(model: Path, path: Path, what: str) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise SceneError(
                model, f"{what} {path.name} is {size} bytes, over the {MAX_FILE_BYTES} byte limit"
            )
        return path.read_bytes()
    except (OSError, ValueError) as err:
        raise SceneError(
            model, f"cannot read {what} {path.name}: {getattr(err, 'strerror', None) or err}"
        ) from None


def _parse_json(path: Path, data: bytes) -> dict[str, Any]:
    if len(data) > MAX_JSON_BYTES:
        raise SceneError(
            path, f"the JSON part is {len(data)} bytes, over the {MAX_JSON_BYTES} byte limit"
        )
    if data.startswith(b"\xef\xbb\xbf"):
        raise SceneError(path, "the JSON starts with a byte-order mark, which glTF forbids")
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as err:
        raise SceneError(path, f"not valid glTF JSON ({str(err).splitlines()[0][:120]})") from None
    if not isinstance(doc, dict):
        raise SceneError(path, "the glTF JSON is not an object")
    asset = doc.get("asset")
    if not isinstance(asset, dict) or not str(asset.get("version", "")).startswith("2."):
        raise SceneError(path, "not a glTF 2.0 file (asset.version must be 2.x)")
    return doc


def _split_glb(path: Path, data: bytes) -> tuple[dict[str, Any], memoryview | None]:
    """GLB header, then a JSON chunk, then an optional BIN chunk (others ignored)."""
    if len(data) < 12:
        raise SceneError(path, "file too short for a GLB header (truncated or empty)")
    magic, version, length = struct.unpack_from("<4sII", data, 0)
    if magic != GLB_MAGIC:
        raise SceneError(path, "not a GLB file (wrong magic bytes)")
    if version != 2:
        raise SceneError(path, f"GLB version {version} is not supported (only 2)")
    if length > len(data):
        raise SceneError(
            path, f"GLB header declares {length} bytes but the file has {len(data)} (truncated)"
        )
    chunks: list[tuple[int, memoryview]] = []
    view = memoryview(data)  # chunks are views into the file's bytes: a 1.9 GB BIN is not copied
    offset = 12
    while offset < length:
        if offset + 8 > length:
            raise SceneError(path, "GLB chunk header is truncated")
        chunk_len, chunk_type = struct.unpack_from("<II", data, offset)
        start = offset + 8
        if start + chunk_len > length:
            raise SceneError(
                path,
                f"GLB chunk at byte {offset} declares {chunk_len} bytes, past the end of the file",
            )
        chunks.append((chunk_type, view[start : start + chunk_len]))
        offset = (
            start + chunk_len
        )  # no re-alignment: some exporters (trimesh) write unpadded chunks
    if not chunks or chunks[0][0] != CHUNK_JSON:
        raise SceneError(path, "GLB does not start with a JSON chunk")
    if sum(t == CHUNK_JSON for t, _ in chunks) > 1 or sum(t == CHUNK_BIN for t, _ in chunks) > 1:
        raise SceneError(path, "GLB has more than one JSON or BIN chunk")
    if len(chunks) > 1 and chunks[1][0] != CHUNK_BIN and any(t == CHUNK_BIN for t, _ in chunks):
        raise SceneError(path, "GLB BIN chunk must directly follow the JSON chunk")
    json_chunk = chunks[0][1]
    if len(json_chunk) > MAX_JSON_BYTES:  # refused before its bytes are copied out for parsing
        raise SceneError(path, f"the JSON part is {len(json_chunk)} bytes, over the {MAX_JSON_BYTES} byte limit")
    doc = _parse_json(path, bytes(json_chunk))
    bin_chunk = chunks[1][1] if len(chunks) > 1 and chunks[1][0] == CHUNK_BIN else None
    return doc, bin_chunk


def _load_buffer(doc: GltfDocument, index: int, buf: Any, bin_chunk: memoryview | None) -> bytes | memoryview | None:
    if not isinstance(buf, dict):
        raise doc.error(f"buffer {index} is not an object")
    length = as_int(buf.get("byteLength"))
    if length is None or length < 0:
        raise doc.error(f"buffer {index} has no valid byteLength")
    uri = buf.get("uri")
    if uri is None:
        if index != 0 or bin_chunk is None:
            return None
        data = bin_chunk
    elif not isinstance(uri, str):
        raise doc.error(f"buffer {index} has a uri that is not a string")
    else:
        data = read_uri(doc, uri, f"buffer {index}", max_bytes=length)
    if len(data) < length:
        raise doc.error(f"buffer {index} declares {length} bytes but only {len(data)} exist")
    return data[:length]


def read_uri(doc: GltfDocument, uri: str, what: str, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """Bytes behind a buffer or image URI: a data: URI or a file inside the model's folder.

    At most ``max_bytes`` are read from a file (a buffer needs only its declared length).
    """
    if uri.startswith("data:"):
        head, sep, payload = uri.partition(",")
        if not sep or not head.endswith(";base64"):
            raise doc.error(f"{what} has a data URI that is not base64")
        if len(payload) * 3 // 4 > max_bytes + 3:
            raise doc.error(f"{what} data URI is larger than its declared size")
        try:
            return base64.b64decode(payload, validate=True)
        except (binascii.Error, ValueError):
            raise doc.error(f"{what} has a corrupt base64 data URI") from None
    return _read_local(doc, uri, what, max_bytes)


def _read_local(doc: GltfDocument, uri: str, what: str, max_bytes: int) -> bytes:
    return read_inside(doc.path, unquote(uri), what, max_bytes, shown=uri)


def read_inside(
    model: Path, name: str, what: str, max_bytes: int = MAX_FILE_BYTES, shown: str | None = None
) -> bytes:
    """Bytes of the file ``name`` (relative, already URL-decoded) next to ``model``.

    The one gate for every file a model refers to (glTF buffers and images, OBJ material
    libraries and textures): only relative paths that, symlinks resolved, stay inside the
    model's folder, only regular files (no FIFO or device: opened non-blocking and checked
    on the open descriptor), at most MAX_FILE_BYTES, and at most ``max_bytes`` read.
    Anything else is a SceneError naming ``model``; nothing outside the folder is opened.
    """
    shown = (name if shown is None else shown)[:80]
    if (
        not name
        or ":" in name.split("/", 1)[0]
        or name.startswith(("/", "\\"))
        or "\\" in name
        or "\0" in name
    ):
        raise SceneError(
            model,
            f"{what} refers to {shown!r}: only relative paths inside the model folder are allowed",
        )
    folder = model.resolve().parent
    try:
        target = (folder / name).resolve()
    except (OSError, RuntimeError, ValueError):
        raise SceneError(model, f"{what} refers to {shown!r}, which cannot be resolved") from None
    if not target.is_relative_to(folder):
        raise SceneError(model, f"{what} refers to {shown!r}, which is outside the model folder")
    try:
        fd = os.open(target, os.O_RDONLY | _OPEN_FLAGS | _O_NOFOLLOW)
    except OSError:
        raise SceneError(model, f"{what} refers to {shown!r}, which does not exist") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):  # a folder, FIFO or device: checked before any read
        os.close(fd)
        raise SceneError(model, f"{what} refers to {shown!r}, which is not a regular file")
    with os.fdopen(fd, "rb") as f:
        try:
            if info.st_size > MAX_FILE_BYTES:
                raise SceneError(
                    model,
                    f"{what} file {target.name} is {info.st_size} bytes, "
                    f"over the {MAX_FILE_BYTES} byte limit",
                )
            return f.read(min(info.st_size, max_bytes))
        except OSError as err:
            raise SceneError(
                model, f"cannot read {what} file {target.name}: {err.strerror or err}"
            ) from None
