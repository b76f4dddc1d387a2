"""Thin helpers over PyOpenGL: programs with cached uniforms, buffers, textures.

Only the renderer uses these; they assume a current GL 3.3 core context.
"""

from __future__ import annotations

import ctypes

import numpy as np
from OpenGL import GL


class ShaderError(RuntimeError):
    """A shader failed to compile or link (a programming error, not bad input)."""


def _compile(kind: int, source: str) -> int:
    shader = GL.glCreateShader(kind)
    GL.glShaderSource(shader, source)
    GL.glCompileShader(shader)
    if not GL.glGetShaderiv(shader, GL.GL_COMPILE_STATUS):
        log = GL.glGetShaderInfoLog(shader).decode(errors="replace")
        GL.glDeleteShader(shader)
        raise ShaderError(f"shader compile failed: {log}")
    return shader


class Program:
    """A linked program whose uniform locations are looked up once."""

    def __init__(self, vertex: str, fragment: str) -> None:
        vs = _compile(GL.GL_VERTEX_SHADER, vertex)
        fs = _compile(GL.GL_FRAGMENT_SHADER, fragment)
        self.handle = GL.glCreateProgram()
        GL.glAttachShader(self.handle, vs)
        GL.glAttachShader(self.handle, fs)
        GL.glLinkProgram(self.handle)
        GL.glDeleteShader(vs)
        GL.glDeleteShader(fs)
        if not GL.glGetProgramiv(self.handle, GL.GL_LINK_STATUS):
            log = GL.glGetProgramInfoLog(self.handle).decode(errors="replace")
            raise ShaderError(f"program link failed: {log}")
        self._locations: dict[str, int] = {}

    def use(self) -> None:
        GL.glUseProgram(self.handle)

    def loc(self, name: str) -> int:
        if name not in self._locations:
            self._locations[name] = GL.glGetUniformLocation(self.handle, name)
        return self._locations[name]

    def set_matrix(self, name: str, m: np.ndarray) -> None:
        # row-major NumPy -> GL_TRUE transposes into GL's column-major
        GL.glUniformMatrix4fv(self.loc(name), 1, GL.GL_TRUE, np.ascontiguousarray(m, dtype=np.float32))

    def set_vec(self, name: str, v: tuple[float, ...] | np.ndarray) -> None:
        v = np.asarray(v, dtype=np.float32)
        {2: GL.glUniform2fv, 3: GL.glUniform3fv, 4: GL.glUniform4fv}[v.size](self.loc(name), 1, v)

    def set_float(self, name: str, x: float) -> None:
        GL.glUniform1f(self.loc(name), float(x))

    def set_int(self, name: str, x: int) -> None:
        GL.glUniform1i(self.loc(name), int(x))

    def release(self) -> None:
        GL.glDeleteProgram(self.handle)


def upload_buffer(target: int, data: np.ndarray, usage: int = GL.GL_STATIC_DRAW, buffer: int | None = None) -> int:
    """Create (or refill) a buffer object with an array's bytes; returns its name."""
    if buffer is None:
        buffer = int(GL.glGenBuffers(1))
    GL.glBindBuffer(target, buffer)
    data = np.ascontiguousarray(data)
    GL.glBufferData(target, data.nbytes, data if data.nbytes else None, usage)
    return buffer


def float_attribute(location: int, size: int, stride_floats: int, offset_floats: int) -> None:
    """Point attribute `location` at float data in the bound GL_ARRAY_BUFFER."""
    GL.glEnableVertexAttribArray(location)
    GL.glVertexAttribPointer(
        location, size, GL.GL_FLOAT, GL.GL_FALSE, stride_floats * 4, ctypes.c_void_p(offset_floats * 4)
    )


def rgba8_attribute(location: int, stride_floats: int, offset_floats: int) -> None:
    """Point attribute `location` at four normalized unsigned bytes (a packed colour) in
    the bound GL_ARRAY_BUFFER: the shader reads a vec4 in [0, 1]."""
    GL.glEnableVertexAttribArray(location)
    GL.glVertexAttribPointer(
        location, 4, GL.GL_UNSIGNED_BYTE, GL.GL_TRUE, stride_floats * 4, ctypes.c_void_p(offset_floats * 4)
    )


def byte_attribute(
    location: int, size: int, gl_type: int, normalized: bool, stride_bytes: int, offset_bytes: int
) -> None:
    """Point attribute `location` at `size` values of `gl_type` in the bound GL_ARRAY_BUFFER,
    read by the shader as floats (normalized: signed types to [-1, 1], unsigned to [0, 1])."""
    GL.glEnableVertexAttribArray(location)
    GL.glVertexAttribPointer(
        location, size, gl_type, GL.GL_TRUE if normalized else GL.GL_FALSE, stride_bytes, ctypes.c_void_p(offset_bytes)
    )


def draw_index_runs(mode: int, starts: np.ndarray, counts: np.ndarray) -> None:
    """Draw index runs (first index, count) of the bound VAO's uint32 indices."""
    if len(counts) == 1:
        GL.glDrawElements(mode, int(counts[0]), GL.GL_UNSIGNED_INT, ctypes.c_void_p(int(starts[0]) * 4))
    else:
        offsets = (ctypes.c_void_p * len(starts))(*(int(s) * 4 for s in starts))
        GL.glMultiDrawElements(mode, counts.astype(np.int32), GL.GL_UNSIGNED_INT, offsets, len(counts))


def upload_texture(rgba: np.ndarray, wrap: tuple[int, int] = (GL.GL_REPEAT, GL.GL_REPEAT)) -> int:
    """(H, W, 4) uint8 image -> mipmapped 2D texture (row 0 = uv v 0, as glTF); ``wrap``:
    (S, T) wrap modes (OpenGL enums, the values glTF samplers use)."""
    tex = int(GL.glGenTextures(1))
    GL.glBindTexture(GL.GL_TEXTURE_2D, tex)
    h, w = rgba.shape[:2]
    GL.glPixelStorei(GL.GL_UNPACK_ALIGNMENT, 1)
    GL.glTexImage2D(
        GL.GL_TEXTURE_2D, 0, GL.GL_RGBA8, w, h, 0, GL.GL_RGBA, GL.GL_UNSIGNED_BYTE,
        np.ascontiguousarray(rgba, dtype=np.uint8),
    )
    GL.glGenerateMipmap(GL.GL_TEXTURE_2D)
    GL.glTexParameteri(GL.GL_TEXTURE_2D, GL.GL_TEXTURE_MIN_FILTER, GL.GL_LINEAR_MIPMAP_LINEAR)
    GL.glTexParameteri(GL.GL_TEXTURE_2D, GL.GL_TEXTURE_MAG_FILTER, GL.GL_LINEAR)
    GL.glTexParameteri(GL.GL_TEXTURE_2D, GL.GL_TEXTURE_WRAP_S, wrap[0])
    GL.glTexParameteri(GL.GL_TEXTURE_2D, GL.GL_TEXTURE_WRAP_T, wrap[1])
    return tex


def read_framebuffer(framebuffer: int, width: int, height: int) -> np.ndarray:
    """(height, width, 4) uint8 RGBA of a framebuffer's colour attachment 0, bottom row first
    (GL's order): for checks that something was drawn into a target we do not own."""
    GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, framebuffer)
    GL.glPixelStorei(GL.GL_PACK_ALIGNMENT, 1)
    data = GL.glReadPixels(0, 0, width, height, GL.GL_RGBA, GL.GL_UNSIGNED_BYTE)
    GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, 0)
    return np.frombuffer(data, dtype=np.uint8).reshape(height, width, 4)
