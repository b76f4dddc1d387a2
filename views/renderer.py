"""The OpenGL 3.3 core renderer shared by the desktop viewport, the render CLI and the
headset swapchains.

It knows nothing of Qt: the caller makes a context current, passes the matrices, the
viewport rectangle and the framebuffer to draw into. Geometry is uploaded once per scene
(merged per material, see scene_batches); per frame only the part matrices and tints
(one small texture buffer) and the overlays change.

Mesh programs come in variants (views/shaders.py): each batch is drawn by the one that
fetches and interpolates only what it has, and highlighted parts are drawn in a second
range of the same batch by the variant with a tint, so the parts without one (nearly all)
carry no tint. On a software rasteriser (Mesa llvmpipe) per-vertex and per-triangle work
is most of a frame of a large model, so this matters there; on a GPU it hardly does.

Lifecycle (as pyqtgraph's GL items): ``initialize()`` once the context is current,
``set_scene()`` any time (upload is lazy, at the next draw), ``draw()`` per frame,
``release()`` with the context current to free every GL object.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass

import numpy as np
from OpenGL import GL

from scenes.model import Scene
from views import shaders
from views.backdrop import BackdropLayer
from views.culling import index_runs, visible_in_frustum
from views.gl_util import (
    Program,
    byte_attribute,
    draw_index_runs,
    float_attribute,
    upload_buffer,
    upload_texture,
)
from views.grid import grid_lines
from views.render_state import HIGHLIGHT_COLORS, RenderState, backdrop_rect
from views.scene_batches import (
    NORMAL_WORD,
    PART_WORD,
    POSITION_WORD,
    Batch,
    SceneBatches,
    build_batches,
)

_PRIMITIVE = {"triangles": GL.GL_TRIANGLES, "lines": GL.GL_LINES, "points": GL.GL_POINTS}
#: texels per part in the part buffer: the 3 rows of its model-view matrix, its tint
_TEXELS_PER_PART = 4
_PARTS_UNIT = 1  # texture unit of the part texture buffer; unit 0 holds base colour maps


@dataclass
class _GpuBatch:
    vao: int
    vbo: int
    ibo: int
    count: int
    part_ranges: np.ndarray
    material: int | None
    mode: str
    has_uv: bool
    has_color: bool


class Renderer:
    """Draws a Scene plus a RenderState into whatever framebuffer is bound by the caller."""

    def __init__(self) -> None:
        self._scene: Scene | None = None
        #: the scene's batches when built off the GUI thread (views/scene_reading.py)
        self._prebuilt: SceneBatches | None = None
        self._scene_dirty = False
        self._ready = False
        self._batches: list[_GpuBatch] = []
        self._layout: SceneBatches | None = None
        self._textures: dict[int, int] = {}
        self._tints = np.zeros((0, 4), dtype=np.float32)
        self._tinted = np.zeros(0, dtype=bool)
        self._mesh_programs: dict[frozenset[str], Program] = {}
        #: mesh programs whose per-frame uniforms are set in the current draw()
        self._frame_programs: set[int] = set()
        self._frame_uniforms: tuple[np.ndarray, np.ndarray] = (np.eye(4), np.eye(4))
        self._frame_viewport: tuple[float, ...] = (0.0, 0.0, 1.0, 1.0)
        self._grid_count = 0
        self._worlds = np.zeros((0, 4, 4))
        #: draw calls issued by the last draw(), for status bars and benchmarks
        self.draw_calls = 0
        #: parts left out of the last draw() because they were outside the view
        self.culled_parts = 0
        #: skip parts whose bounds are outside the view (off only to compare pictures)
        self.frustum_culling = True
        #: desktop AR's camera picture (RenderState.camera_backdrop)
        self.backdrop = BackdropLayer()

    # -- lifecycle ---------------------------------------------------------------------
    def initialize(self) -> None:
        """Compile programs and create the fixed GL objects (context must be current)."""
        self._mesh_programs = {}
        self._line = Program(shaders.LINE_VERTEX, shaders.LINE_FRAGMENT)
        self._sphere = Program(shaders.SPHERE_VERTEX, shaders.SPHERE_FRAGMENT)
        self._background = Program(shaders.BACKGROUND_VERTEX, shaders.BACKGROUND_FRAGMENT)
        self._empty_vao = int(GL.glGenVertexArrays(1))
        self._parts_buffer = upload_buffer(GL.GL_TEXTURE_BUFFER, np.zeros(4, np.float32), GL.GL_DYNAMIC_DRAW)
        self._parts_texture = int(GL.glGenTextures(1))
        GL.glBindTexture(GL.GL_TEXTURE_BUFFER, self._parts_texture)
        GL.glTexBuffer(GL.GL_TEXTURE_BUFFER, GL.GL_RGBA32F, self._parts_buffer)
        self._grid_vao, self._grid_vbo = self._line_vao()
        self._overlay_vao, self._overlay_vbo = self._line_vao()
        self._sphere_vao = int(GL.glGenVertexArrays(1))
        GL.glBindVertexArray(self._sphere_vao)
        self._sphere_vbo = upload_buffer(GL.GL_ARRAY_BUFFER, np.zeros(8, np.float32), GL.GL_DYNAMIC_DRAW)
        float_attribute(0, 3, 8, 0)
        float_attribute(1, 1, 8, 3)
        float_attribute(2, 4, 8, 4)
        GL.glBindVertexArray(0)
        self._ready = True

    def _line_vao(self) -> tuple[int, int]:
        vao = int(GL.glGenVertexArrays(1))
        GL.glBindVertexArray(vao)
        vbo = upload_buffer(GL.GL_ARRAY_BUFFER, np.zeros(7, np.float32), GL.GL_DYNAMIC_DRAW)
        float_attribute(0, 3, 7, 0)
        float_attribute(1, 4, 7, 3)
        GL.glBindVertexArray(0)
        return vao, vbo

    def set_scene(self, scene: Scene | None, batches: SceneBatches | None = None) -> None:
        """Use this scene from the next draw on (geometry uploads then, once; from
        ``batches``, ``build_batches(scene)`` made elsewhere, when given)."""
        self._scene = scene
        self._prebuilt = batches
        self._scene_dirty = True

    @property
    def scene(self) -> Scene | None:
        return self._scene

    def release(self) -> None:
        """Free every GL object (context must be current); initialize() may follow."""
        if not self._ready:
            return
        self._free_scene()
        for program in (*self._mesh_programs.values(), self._line, self._sphere, self._background):
            program.release()
        self._mesh_programs = {}
        GL.glDeleteVertexArrays(4, [self._empty_vao, self._grid_vao, self._overlay_vao, self._sphere_vao])
        GL.glDeleteBuffers(4, [self._parts_buffer, self._grid_vbo, self._overlay_vbo, self._sphere_vbo])
        GL.glDeleteTextures(1, [self._parts_texture])
        self.backdrop.release()
        self._ready = False
        self._scene_dirty = self._scene is not None

    def _free_scene(self) -> None:
        for b in self._batches:
            GL.glDeleteVertexArrays(1, [b.vao])
            GL.glDeleteBuffers(2, [b.vbo, b.ibo])
        if self._textures:
            GL.glDeleteTextures(len(self._textures), list(self._textures.values()))
        self._batches, self._textures, self._layout = [], {}, None

    # -- upload ------------------------------------------------------------------------
    def _upload_scene(self) -> None:
        self._free_scene()
        self._scene_dirty = False
        self._grid_count = 0
        scene = self._scene
        if scene is None:
            return
        self._layout = self._prebuilt if self._prebuilt is not None else build_batches(scene)
        for batch in self._layout.batches:
            vao = int(GL.glGenVertexArrays(1))
            GL.glBindVertexArray(vao)
            vbo = upload_buffer(GL.GL_ARRAY_BUFFER, batch.vertices)
            _vertex_attributes(batch)
            ibo = upload_buffer(GL.GL_ELEMENT_ARRAY_BUFFER, batch.indices)
            GL.glBindVertexArray(0)
            self._batches.append(
                _GpuBatch(
                    vao, vbo, ibo, len(batch.indices), batch.part_ranges, batch.material, batch.mode,
                    batch.uv_word is not None, batch.color_word is not None,
                )
            )
            material = scene.materials[batch.material] if batch.material is not None else None
            if material is not None and material.texture is not None and batch.material not in self._textures:
                self._textures[batch.material] = upload_texture(material.texture, material.texture_wrap)
        n_parts = len(self._layout.parts)
        self._tints = np.zeros((n_parts, 4), dtype=np.float32)
        self._tinted = np.zeros(n_parts, dtype=bool)
        self._worlds = self._layout.part_world
        upload_buffer(
            GL.GL_TEXTURE_BUFFER, np.zeros((max(n_parts, 1) * _TEXELS_PER_PART, 4), np.float32),
            GL.GL_DYNAMIC_DRAW, self._parts_buffer,
        )
        if scene.bounds is not None:
            grid = grid_lines(scene.bounds)
            upload_buffer(GL.GL_ARRAY_BUFFER, grid, GL.GL_STATIC_DRAW, self._grid_vbo)
            self._grid_count = len(grid)
            self._grid_fade = (grid[:, :3].mean(axis=0), float(np.abs(grid[:, [0, 2]] - grid[:, [0, 2]].mean(axis=0)).max()))

    def _update_parts(self, view: np.ndarray, state: RenderState) -> None:
        """Write every part's model-view rows (moved poses over authored ones) and its
        highlight tint into the part buffer."""
        layout = self._layout
        if layout is None or not layout.parts:
            return
        worlds = layout.part_world
        tints, tinted = self._tints, self._tinted
        if state.part_poses:
            worlds = worlds.copy()
            for part_id, pose in state.part_poses.items():
                i = layout.part_index(part_id)
                if i is not None:
                    worlds[i] = pose
        if state.highlights or tinted.any():
            tints = np.zeros_like(tints)
            for part_id, highlight in state.highlights.items():
                i = layout.part_index(part_id)
                if i is not None:
                    tints[i] = HIGHLIGHT_COLORS[highlight]
            self._tints, self._tinted = tints, tints[:, 3] > 0
        self._worlds = worlds
        texels = _part_texels(np.asarray(view, dtype=np.float64) @ worlds, tints)
        GL.glBindBuffer(GL.GL_TEXTURE_BUFFER, self._parts_buffer)
        GL.glBufferSubData(GL.GL_TEXTURE_BUFFER, 0, texels.nbytes, texels)

    # -- drawing -----------------------------------------------------------------------
    def draw(
        self,
        view: np.ndarray,
        proj: np.ndarray,
        viewport: tuple[int, int, int, int],
        framebuffer: int = 0,
        state: RenderState | None = None,
    ) -> None:
        """Draw one frame: view is (4, 4) world -> eye, proj (4, 4) eye -> clip.

        With a ``state.camera_backdrop`` (desktop AR) the camera picture is fitted into
        the viewport and the scene drawn over it through the backdrop's own view and
        projection (only the picture while its view is None); ``view`` and ``proj`` are
        then not used."""
        if not self._ready:
            self.initialize()
        if self._scene_dirty:
            self._upload_scene()
        state = state if state is not None else RenderState()
        self.draw_calls = 0
        GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, framebuffer)
        GL.glViewport(*viewport)
        self._clear(viewport, state)
        backdrop = state.camera_backdrop
        if backdrop is not None:
            viewport = backdrop_rect(viewport, backdrop.image.shape[1], backdrop.image.shape[0])
            GL.glViewport(*viewport)
            self.backdrop.draw(backdrop)
            self.draw_calls += 1
            if backdrop.view is None:
                GL.glUseProgram(0)
                return
            view, proj = backdrop.view, backdrop.projection
        GL.glEnable(GL.GL_DEPTH_TEST)
        GL.glDepthFunc(GL.GL_LESS)
        self._frame_programs = set()
        self._frame_uniforms = (np.asarray(view), np.asarray(proj))
        self._frame_viewport = tuple(float(x) for x in viewport)
        self._update_parts(view, state)
        self._draw_meshes()
        if state.show_grid and self._grid_count and backdrop is None:
            center, radius = self._grid_fade
            self._draw_lines(self._grid_vao, self._grid_count, view, proj, center, radius)
        self._draw_ghosts(view, proj, state)
        self._draw_overlays(view, proj, viewport, state)
        GL.glDepthMask(GL.GL_TRUE)
        GL.glDisable(GL.GL_BLEND)
        GL.glDisable(GL.GL_CULL_FACE)
        GL.glBindVertexArray(0)
        GL.glUseProgram(0)

    def _clear(self, viewport: tuple[int, int, int, int], state: RenderState) -> None:
        GL.glEnable(GL.GL_SCISSOR_TEST)
        GL.glScissor(*viewport)
        GL.glDepthMask(GL.GL_TRUE)
        GL.glClearColor(*(state.background if state.background is not None else (0.0, 0.0, 0.0, 0.0)))
        GL.glClear(GL.GL_COLOR_BUFFER_BIT | GL.GL_DEPTH_BUFFER_BIT)
        GL.glDisable(GL.GL_SCISSOR_TEST)
        if state.background is not None and state.background_gradient:
            bottom = np.asarray(state.background, dtype=np.float32)
            top = bottom.copy()
            top[:3] = bottom[:3] + (1.0 - bottom[:3]) * 0.45
            GL.glDisable(GL.GL_DEPTH_TEST)
            self._background.use()
            self._background.set_vec("u_bottom", bottom * np.float32([0.75, 0.75, 0.75, 1.0]))
            self._background.set_vec("u_top", top)
            GL.glBindVertexArray(self._empty_vao)
            GL.glDrawArrays(GL.GL_TRIANGLES, 0, 3)
            self.draw_calls += 1

    def _mesh_program(self, defines: frozenset[str]) -> Program:
        """The mesh program variant with these defines (compiled on first use), in use and
        with this frame's uniforms set."""
        p = self._mesh_programs.get(defines)
        if p is None:
            p = self._mesh_programs[defines] = Program(*shaders.mesh_sources(defines))
        p.use()
        if p.handle not in self._frame_programs:
            self._frame_programs.add(p.handle)
            view, proj = self._frame_uniforms
            p.set_matrix("u_proj", proj)
            if "LIT" in defines:
                sky = view[:3, :3] @ np.array([0.0, 1.0, 0.0])
                p.set_vec("u_sky_dir", sky / np.linalg.norm(sky))
                p.set_vec("u_viewport", self._frame_viewport)
                perspective = proj[3, 2] != 0.0
                p.set_vec("u_unproject", (proj[0, 0], proj[1, 1], proj[0, 2], proj[1, 2]) if perspective else (0.0,) * 4)
            if "GHOST" not in defines:
                p.set_int("u_parts", _PARTS_UNIT)
            if "HAS_TEXTURE" in defines:
                p.set_int("u_texture", 0)
        return p

    def _batch_defines(self, batch: _GpuBatch) -> tuple[frozenset[str], object]:
        """The program defines a batch needs (without a tint) and its material."""
        scene = self._scene
        material = scene.materials[batch.material] if scene is not None and batch.material is not None else None
        defines = set()
        if batch.has_uv and batch.material in self._textures:
            defines.add("HAS_TEXTURE")
        if batch.has_color:
            defines.add("HAS_COLOR")
        if batch.mode == "triangles" and not (material is not None and material.unlit):
            defines.add("LIT")
        if material is not None and material.alpha_mode == "MASK":
            defines.add("ALPHA_MASK")
        return frozenset(defines), material

    def _set_material(self, p: Program, batch: _GpuBatch, material) -> None:
        p.set_vec("u_base_color", material.base_color if material is not None else (0.8, 0.8, 0.8, 1.0))
        texture = self._textures.get(batch.material) if batch.material is not None else None
        if texture is not None:
            GL.glBindTexture(GL.GL_TEXTURE_2D, texture)
        alpha_mode = material.alpha_mode if material is not None else "OPAQUE"
        if batch.mode == "triangles" and not (material is not None and material.double_sided):
            GL.glEnable(GL.GL_CULL_FACE)
        else:
            GL.glDisable(GL.GL_CULL_FACE)
        if alpha_mode == "BLEND":
            _enable_blending()
            GL.glDepthMask(GL.GL_FALSE)
        else:
            GL.glDisable(GL.GL_BLEND)
            GL.glDepthMask(GL.GL_TRUE)

    def _draw_meshes(self) -> None:
        layout = self._layout
        self.culled_parts = 0
        if not self._batches or layout is None:
            return
        visible = np.ones(len(layout.parts), dtype=bool)
        if self.frustum_culling:
            view, proj = self._frame_uniforms
            visible = visible_in_frustum(layout.part_bounds, self._worlds, proj @ view)
            self.culled_parts = int((~visible).sum())
        tinted = self._tinted
        # the parts drawn without a tint, then those with one. (Drawing opaque parts
        # nearest first was tried: no gain on llvmpipe, whose cost here is per vertex and
        # per triangle rather than per shaded pixel.)
        passes = [(~tinted, False), (tinted, True)] if tinted.any() else [(np.ones_like(tinted), False)]
        GL.glActiveTexture(GL.GL_TEXTURE0 + _PARTS_UNIT)
        GL.glBindTexture(GL.GL_TEXTURE_BUFFER, self._parts_texture)
        GL.glActiveTexture(GL.GL_TEXTURE0)
        GL.glPointSize(4.0)
        for batch in self._batches:
            defines, material = self._batch_defines(batch)
            for parts, tint in passes:
                starts, counts = index_runs(batch.part_ranges, np.flatnonzero(visible & parts))
                if not len(counts):
                    continue
                p = self._mesh_program(defines | {"HAS_TINT"} if tint else defines)
                self._set_material(p, batch, material)
                GL.glBindVertexArray(batch.vao)
                draw_index_runs(_PRIMITIVE[batch.mode], starts, counts)
                self.draw_calls += 1

    def _draw_ghosts(self, view: np.ndarray, proj: np.ndarray, state: RenderState) -> None:
        layout = self._layout
        if not state.ghosts or layout is None:
            return
        _enable_blending()
        GL.glDepthMask(GL.GL_FALSE)
        GL.glDisable(GL.GL_CULL_FACE)
        for part_id, world, rgba in state.ghosts:
            i = layout.part_index(part_id)
            if i is None:
                continue
            model_view = np.asarray(view, dtype=np.float64) @ np.asarray(world, dtype=np.float64)
            for batch in self._batches:
                start, count = batch.part_ranges[i]
                if count == 0 or batch.mode != "triangles":
                    continue
                p = self._mesh_program(frozenset({"LIT", "GHOST", *(("HAS_COLOR",) if batch.has_color else ())}))
                p.set_vec("u_base_color", (0.8, 0.8, 0.8, 1.0))
                p.set_matrix("u_model_view", model_view)
                p.set_vec("u_ghost_color", rgba)
                GL.glBindVertexArray(batch.vao)
                GL.glDrawElements(GL.GL_TRIANGLES, int(count), GL.GL_UNSIGNED_INT, ctypes.c_void_p(int(start) * 4))
                self.draw_calls += 1
        GL.glDepthMask(GL.GL_TRUE)

    def _draw_lines(
        self,
        vao: int,
        count: int,
        view: np.ndarray,
        proj: np.ndarray,
        center: np.ndarray,
        fade_radius: float,
        alpha_scale: float = 1.0,
    ) -> None:
        p = self._line
        p.use()
        p.set_matrix("u_view", view)
        p.set_matrix("u_proj", proj)
        p.set_vec("u_fade_center", center)
        p.set_float("u_fade_radius", fade_radius)
        p.set_float("u_alpha_scale", alpha_scale)
        _enable_blending()
        GL.glDepthMask(GL.GL_FALSE)
        GL.glBindVertexArray(vao)
        GL.glDrawArrays(GL.GL_LINES, 0, count)
        GL.glDepthMask(GL.GL_TRUE)
        self.draw_calls += 1

    def _draw_overlays(
        self, view: np.ndarray, proj: np.ndarray, viewport: tuple[int, int, int, int], state: RenderState
    ) -> None:
        """Hands, rays, hit cursors, markers: drawn faintly through the parts first (as
        editors draw gizmos, so a hand behind a part stays findable), then in full where
        they are in front."""
        n, m = len(state.lines), len(state.points)
        if n:
            data = np.zeros((n, 2, 7), dtype=np.float32)
            data[:, :, :3] = state.lines
            data[:, :, 3:] = np.asarray(state.line_colors, dtype=np.float32).reshape(n, 1, 4)
            upload_buffer(GL.GL_ARRAY_BUFFER, data, GL.GL_STREAM_DRAW, self._overlay_vbo)
        if m:
            data = np.zeros((m, 8), dtype=np.float32)
            data[:, :3] = state.points
            data[:, 3] = state.point_radii
            data[:, 4:] = state.point_colors
            upload_buffer(GL.GL_ARRAY_BUFFER, data, GL.GL_STREAM_DRAW, self._sphere_vbo)
        passes = ((False, state.overlay_xray_alpha), (True, 1.0)) if state.overlay_xray_alpha > 0 else ((True, 1.0),)
        for depth_test, alpha in passes:
            (GL.glEnable if depth_test else GL.glDisable)(GL.GL_DEPTH_TEST)
            if n:
                self._draw_lines(self._overlay_vao, 2 * n, view, proj, np.zeros(3), 0.0, alpha)
            if m:
                self._draw_spheres(view, proj, viewport, m, alpha)
        GL.glEnable(GL.GL_DEPTH_TEST)

    def _draw_spheres(
        self, view: np.ndarray, proj: np.ndarray, viewport: tuple[int, int, int, int], m: int, alpha: float
    ) -> None:
        p = self._sphere
        p.use()
        p.set_matrix("u_view", view)
        p.set_matrix("u_proj", proj)
        p.set_float("u_viewport_height", viewport[3])
        p.set_float("u_alpha_scale", alpha)
        GL.glEnable(GL.GL_PROGRAM_POINT_SIZE)
        _enable_blending()
        GL.glBindVertexArray(self._sphere_vao)
        GL.glDrawArrays(GL.GL_POINTS, 0, m)
        GL.glDisable(GL.GL_PROGRAM_POINT_SIZE)
        self.draw_calls += 1


def _visible_runs(part_ranges: np.ndarray, visible: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(starts, counts) of the index ranges of visible parts, neighbours merged."""
    return index_runs(part_ranges, np.flatnonzero(visible))


def _enable_blending() -> None:
    """Straight-alpha 'over' blending that also keeps the destination alpha right, so a
    transparent (AR) background ends up with the coverage of what was drawn."""
    GL.glEnable(GL.GL_BLEND)
    GL.glBlendFuncSeparate(GL.GL_SRC_ALPHA, GL.GL_ONE_MINUS_SRC_ALPHA, GL.GL_ONE, GL.GL_ONE_MINUS_SRC_ALPHA)


def _vertex_attributes(batch: Batch) -> None:
    """The bound VAO's attributes for a batch's vertex words (see scene_batches)."""
    stride = batch.stride
    byte_attribute(0, 3, GL.GL_FLOAT, False, stride, POSITION_WORD * 4)
    byte_attribute(1, 3, GL.GL_SHORT, True, stride, NORMAL_WORD * 4)
    byte_attribute(2, 1, GL.GL_FLOAT, False, stride, PART_WORD * 4)
    if batch.uv_word is not None:
        byte_attribute(3, 2, GL.GL_FLOAT, False, stride, batch.uv_word * 4)
    if batch.color_word is not None:
        byte_attribute(4, 4, GL.GL_UNSIGNED_BYTE, True, stride, batch.color_word * 4)


def _part_texels(model_views: np.ndarray, tints: np.ndarray) -> np.ndarray:
    """(n, 4, 4) part model-view matrices and (n, 4) tints -> (n * 4, 4) float32 texels:
    the first three rows of each matrix (parts are affine), then its tint."""
    n = len(model_views)
    out = np.empty((n, _TEXELS_PER_PART, 4), dtype=np.float32)
    out[:, 0:3, :] = model_views[:, 0:3, :]
    out[:, 3, :] = tints
    return out.reshape(n * _TEXELS_PER_PART, 4)
