"""glTF accessors -> NumPy arrays, every size checked before anything is allocated.

An accessor is a typed, strided view into a bufferView, which is a slice of a buffer.
A hostile file can declare any count, stride or offset; here the whole chain is checked
(accessor inside its bufferView, bufferView inside its buffer, whose bytes exist) and the
total decoded size is charged to a budget proportional to the input, so a small file
cannot make us allocate gigabytes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from scenes.gltf_container import GltfDocument, as_int, describe

COMPONENT_DTYPES: dict[int, np.dtype] = {
    5120: np.dtype("i1"),
    5121: np.dtype("u1"),
    5122: np.dtype("<i2"),
    5123: np.dtype("<u2"),
    5125: np.dtype("<u4"),
    5126: np.dtype("<f4"),
}
TYPE_WIDTHS = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4}
#: Decoded bytes allowed per input byte (int8 -> float32 is 4x, strips -> triangles 3x),
#: plus a floor for small files that legitimately use buffer-less (all-zero) accessors.
BUDGET_FACTOR = 16
BUDGET_FLOOR = 64 * 1024**2


def _int(value: Any, default: int | None = None) -> int | None:
    return default if value is None else as_int(value)


class AccessorReader:
    """Reads accessors of one document, caching each decoded array (meshes share them)."""

    def __init__(self, doc: GltfDocument, input_bytes: int) -> None:
        self.doc = doc
        self.budget = max(BUDGET_FLOOR, BUDGET_FACTOR * input_bytes)
        self._cache: dict[int, np.ndarray] = {}

    def charge(self, nbytes: int, what: str) -> None:
        """Count ``nbytes`` against the decode budget, refusing the file when it runs out."""
        self.budget -= nbytes
        if self.budget < 0:
            raise self.doc.error(
                f"{what} would decode to more data than the file can hold (size limit)"
            )

    def read(self, index: Any, what: str) -> np.ndarray:
        """(count, width) or (count,) array of accessor ``index``, in its stored dtype."""
        key = as_int(index)
        if key is not None and key in self._cache:
            return self._cache[key]
        acc = self.doc.item("accessors", index, what)
        name = f"accessor {index}"
        dtype = COMPONENT_DTYPES.get(as_int(acc.get("componentType")))  # type: ignore[arg-type]
        width = TYPE_WIDTHS.get(acc.get("type")) if isinstance(acc.get("type"), str) else None
        count = _int(acc.get("count"))
        if dtype is None or width is None:
            kinds = f"{describe(acc.get('componentType'))}, {describe(acc.get('type'))}"
            raise self.doc.error(f"{name} has an unsupported componentType/type ({kinds})")
        if count is None or count < 0:
            raise self.doc.error(f"{name} has no valid count")
        elem = dtype.itemsize * width
        self.charge(count * elem, name)
        if acc.get("bufferView") is None:
            out = np.zeros((count, width), dtype)
        else:
            out = self._strided(acc, name, dtype, width, count)
        if "sparse" in acc:
            out = self._apply_sparse(acc["sparse"], out, name, dtype, width)
        out = out.reshape(count) if width == 1 else out
        self._cache[key] = out  # type: ignore[index]
        return out

    def read_float(self, index: Any, what: str) -> np.ndarray:
        """The accessor as float32, integer data scaled when the accessor is normalized."""
        raw = self.read(index, what)
        acc = self.doc.item("accessors", index, what)
        if raw.dtype == np.float32:
            out = raw
        elif acc.get("normalized"):
            info = np.iinfo(raw.dtype)
            out = np.maximum(raw.astype(np.float32) / info.max, -1.0).astype(np.float32)
        else:
            out = raw.astype(np.float32)
        if not np.all(np.isfinite(out)):
            raise self.doc.error(f"{what} holds NaN or infinite values")
        return out

    def view_bytes(self, view_index: Any, name: str) -> tuple[bytes | memoryview, int, int, int | None]:
        """(buffer, view offset, view length, byteStride) of a checked bufferView."""
        view = self.doc.item("bufferViews", view_index, name)
        buf_index = view.get("buffer")
        buffer = self.doc.buffer(buf_index, f"bufferView {view_index}")
        offset = _int(view.get("byteOffset"), 0)
        length = _int(view.get("byteLength"))
        stride = _int(view.get("byteStride"), 0)
        if (
            offset is None
            or length is None
            or stride is None
            or offset < 0
            or length < 0
            or stride < 0
        ):
            raise self.doc.error(
                f"bufferView {view_index} has an invalid byteOffset/byteLength/byteStride"
            )
        if offset + length > len(buffer):
            raise self.doc.error(
                f"bufferView {view_index} ends at byte {offset + length}, past the end of buffer {buf_index} ({len(buffer)} bytes)"
            )
        return buffer, offset, length, stride or None

    def _strided(self, acc: dict, name: str, dtype: np.dtype, width: int, count: int) -> np.ndarray:
        buffer, view_offset, view_length, stride = self.view_bytes(acc["bufferView"], name)
        offset = _int(acc.get("byteOffset"), 0)
        elem = dtype.itemsize * width
        stride = stride or elem
        if offset is None or offset < 0 or stride < elem:
            raise self.doc.error(
                f"{name} has an invalid byteOffset or a byteStride smaller than one element"
            )
        needed = offset + (count - 1) * stride + elem if count else offset
        if needed > view_length:
            raise self.doc.error(
                f"{name} needs {needed} bytes of its bufferView but it has only {view_length} (accessor overrun)"
            )
        start = view_offset + offset
        if start % dtype.itemsize or stride % dtype.itemsize:
            # Misaligned data is invalid glTF but harmless to read: copy it via bytes.
            raw = np.frombuffer(buffer, np.uint8, count=needed - offset, offset=start)
            idx = (np.arange(count)[:, None] * stride + np.arange(elem)).ravel()
            return raw[idx].view(dtype).reshape(count, width)
        view = np.ndarray(
            (count, width), dtype, buffer=buffer, offset=start, strides=(stride, dtype.itemsize)
        )
        return np.array(view)

    def _apply_sparse(
        self, sparse: Any, base: np.ndarray, name: str, dtype: np.dtype, width: int
    ) -> np.ndarray:
        if (
            not isinstance(sparse, dict)
            or not isinstance(sparse.get("indices"), dict)
            or not isinstance(sparse.get("values"), dict)
        ):
            raise self.doc.error(f"{name} has a malformed sparse section")
        count = _int(sparse.get("count"))
        if count is None or count < 0 or count > len(base):
            raise self.doc.error(f"{name} has an invalid sparse count")
        idx_spec, val_spec = sparse["indices"], sparse["values"]
        idx_dtype = COMPONENT_DTYPES.get(as_int(idx_spec.get("componentType")))  # type: ignore[arg-type]
        if idx_dtype is None or idx_dtype.kind != "u":
            raise self.doc.error(f"{name} has sparse indices of an invalid type")
        indices = self._strided(
            {"bufferView": idx_spec.get("bufferView"), "byteOffset": idx_spec.get("byteOffset")},
            name,
            idx_dtype,
            1,
            count,
        ).ravel()
        values = self._strided(
            {"bufferView": val_spec.get("bufferView"), "byteOffset": val_spec.get("byteOffset")},
            name,
            dtype,
            width,
            count,
        )
        if count and int(indices.max()) >= len(base):
            raise self.doc.error(f"{name} has a sparse index out of range")
        out = base.copy()
        out[indices.astype(np.intp)] = values
        return out
