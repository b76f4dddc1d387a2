"""The OpenGL 3.3 core renderer shared by the desktop viewport, the render CLI and the
headset swapchains.

It knows nothing of Qt: the caller makes a context current, passes the matrices, the
viewport rectangle and the framebuffer to draw into. Geometry is uploaded once per scene
(merged per material, see scene_batches); per frame only the part matrices and tints
(one small texture buffer) and the overlays change.

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
from views.culling import visible_in_frustum
from views.gl_util import Program, float_attribute, rgba8_attribute, upload_buffer, upload_texture
from views.grid import grid_lines
from views.render_state import HIGHLIGHT_COLORS, RenderState, backdrop_rect
from views.scene_batches import VERTEX_FLOATS, SceneBatches, build_batches

_PRIMITIVE = {"triangles": GL.GL_TRIANGLES, "lines": GL.GL_LINES, "points": GL.GL_POINTS}
_TEXELS_PER_PART = 8
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
        self._authored_parts = np.zeros((0, 4), dtype=np.float32)
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
        self._mesh = Program(shaders.MESH_VERTEX, shaders.MESH_FRAGMENT)
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
        for program in (self._mesh, self._line, self._sphere, self._background):
            program.release()
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
            for location, (size, offset) in enumerate(((3, 0), (3, 3), (2, 6), (1, 8))):
                float_attribute(location, size, VERTEX_FLOATS, offset)
            rgba8_attribute(4, VERTEX_FLOATS, 9)
            ibo = upload_buffer(GL.GL_ELEMENT_ARRAY_BUFFER, batch.indices)
            GL.glBindVertexArray(0)
            self._batches.append(
                _GpuBatch(vao, vbo, ibo, len(batch.indices), batch.part_ranges, batch.material, batch.mode)
            )
            material = scene.materials[batch.material] if batch.material is not None else None
            if material is not None and material.texture is not None and batch.material not in self._textures:
                self._textures[batch.material] = upload_texture(material.texture, material.texture_wrap)
        self._authored_parts = _part_texels(self._layout.part_world)
        upload_buffer(GL.GL_TEXTURE_BUFFER, self._authored_parts, GL.GL_DYNAMIC_DRAW, self._parts_buffer)
        if scene.bounds is not None:
            grid = grid_lines(scene.bounds)
            upload_buffer(GL.GL_ARRAY_BUFFER, grid, GL.GL_STATIC_DRAW, self._grid_vbo)
            self._grid_count = len(grid)
            self._grid_fade = (grid[:, :3].mean(axis=0), float(np.abs(grid[:, [0, 2]] - grid[:, [0, 2]].mean(axis=0)).max()))

    def _update_parts(self, state: RenderState) -> None:
        """Write moved poses and highlight tints over the authored part texels."""
        layout = self._layout
        if layout is None or not layout.parts:
            return
        texels = self._authored_parts
        self._worlds = layout.part_world
        if state.part_poses or state.highlights:
            texels = texels.copy()
            self._worlds = self._worlds.copy()
            for part_id, pose in state.part_poses.items():
                i = layout.part_index(part_id)
                if i is not None:
                    texels[i * _TEXELS_PER_PART : i * _TEXELS_PER_PART + 7] = _part_texels(pose[None])[:7]
                    self._worlds[i] = pose
            for part_id, highlight in state.highlights.items():
                i = layout.part_index(part_id)
                if i is not None:
                    texels[i * _TEXELS_PER_PART + 7] = HIGHLIGHT_COLORS[highlight]
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
        self._update_parts(state)
        self._draw_meshes(view, proj)
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

    def _use_mesh_program(self, view: np.ndarray, proj: np.ndarray) -> Program:
        p = self._mesh
        p.use()
        p.set_matrix("u_view", view)
        p.set_matrix("u_proj", proj)
        p.set_int("u_parts", _PARTS_UNIT)
        p.set_int("u_texture", 0)
        sky = np.asarray(view)[:3, :3] @ np.array([0.0, 1.0, 0.0])
        p.set_vec("u_sky_dir", sky / np.linalg.norm(sky))
        p.set_int("u_use_override", 0)
        p.set_vec("u_ghost_color", (0.0, 0.0, 0.0, 0.0))
        GL.glActiveTexture(GL.GL_TEXTURE0 + _PARTS_UNIT)
        GL.glBindTexture(GL.GL_TEXTURE_BUFFER, self._parts_texture)
        GL.glActiveTexture(GL.GL_TEXTURE0)
        return p

    def _set_material(self, p: Program, batch: _GpuBatch) -> None:
        scene = self._scene
        material = scene.materials[batch.material] if scene is not None and batch.material is not None else None
        p.set_vec("u_base_color", material.base_color if material is not None else (0.8, 0.8, 0.8, 1.0))
        texture = self._textures.get(batch.material) if batch.material is not None else None
        p.set_int("u_has_texture", texture is not None)
        if texture is not None:
            GL.glBindTexture(GL.GL_TEXTURE_2D, texture)
        p.set_int("u_lit", batch.mode == "triangles" and not (material is not None and material.unlit))
        alpha_mode = material.alpha_mode if material is not None else "OPAQUE"
        p.set_float("u_alpha_cutoff", 0.5 if alpha_mode == "MASK" else -1.0)
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

    def _draw_meshes(self, view: np.ndarray, proj: np.ndarray) -> None:
        layout = self._layout
        self.culled_parts = 0
        if not self._batches or layout is None:
            return
        visible = np.ones(len(layout.parts), dtype=bool)
        if self.frustum_culling:
            visible = visible_in_frustum(layout.part_bounds, self._worlds, np.asarray(proj) @ np.asarray(view))
            self.culled_parts = int((~visible).sum())
        p = self._use_mesh_program(view, proj)
        GL.glPointSize(4.0)
        for batch in self._batches:
            if self.culled_parts:
                starts, counts = _visible_runs(batch.part_ranges, visible)
                if not len(counts):
                    continue
            else:
                starts, counts = np.zeros(1, np.int64), np.array([batch.count])
            self._set_material(p, batch)
            GL.glBindVertexArray(batch.vao)
            mode = _PRIMITIVE[batch.mode]
            if len(counts) == 1:
                GL.glDrawElements(mode, int(counts[0]), GL.GL_UNSIGNED_INT, ctypes.c_void_p(int(starts[0]) * 4))
            else:
                offsets = (ctypes.c_void_p * len(starts))(*(int(s) * 4 for s in starts))
                GL.glMultiDrawElements(mode, counts.astype(np.int32), GL.GL_UNSIGNED_INT, offsets, len(counts))
            self.draw_calls += 1

    def _draw_ghosts(self, view: np.ndarray, proj: np.ndarray, state: RenderState) -> None:
        layout = self._layout
        if not state.ghosts or layout is None:
            return
        p = self._use_mesh_program(view, proj)
        _enable_blending()
        GL.glDepthMask(GL.GL_FALSE)
        GL.glDisable(GL.GL_CULL_FACE)
        p.set_int("u_use_override", 1)
        p.set_int("u_has_texture", 0)
        p.set_int("u_lit", 1)
        p.set_float("u_alpha_cutoff", -1.0)
        p.set_vec("u_base_color", (0.8, 0.8, 0.8, 1.0))
        for part_id, world, rgba in state.ghosts:
            i = layout.part_index(part_id)
            if i is None:
                continue
            p.set_matrix("u_override", world)
            p.set_vec("u_ghost_color", rgba)
            for batch in self._batches:
                start, count = batch.part_ranges[i]
                if count == 0 or batch.mode != "triangles":
                    continue
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
    ranges = part_ranges[visible & (part_ranges[:, 1] > 0)]
    if not len(ranges):
        return ranges[:, 0], ranges[:, 1]
    ends = ranges[:, 0] + ranges[:, 1]
    new_run = np.r_[True, ranges[1:, 0] != ends[:-1]]
    run = np.cumsum(new_run) - 1
    starts = ranges[new_run, 0]
    counts = np.bincount(run, weights=ranges[:, 1]).astype(np.int64)
    return starts, counts


def _enable_blending() -> None:
    """Straight-alpha 'over' blending that also keeps the destination alpha right, so a
    transparent (AR) background ends up with the coverage of what was drawn."""
    GL.glEnable(GL.GL_BLEND)
    GL.glBlendFuncSeparate(GL.GL_SRC_ALPHA, GL.GL_ONE_MINUS_SRC_ALPHA, GL.GL_ONE, GL.GL_ONE_MINUS_SRC_ALPHA)


def _part_texels(worlds: np.ndarray) -> np.ndarray:
    """(n, 4, 4) part matrices -> (n * 8, 4) float32 texels: matrix columns, normal-matrix
    columns, then a zero tint."""
    n = len(worlds)
    out = np.zeros((n, _TEXELS_PER_PART, 4), dtype=np.float32)
    out[:, 0:4, :] = np.transpose(worlds, (0, 2, 1))
    lin = worlds[:, :3, :3]
    det = np.linalg.det(lin)
    safe = np.where(np.abs(det)[:, None, None] > 1e-30, lin, np.eye(3))
    normal = np.transpose(np.linalg.inv(safe), (0, 2, 1))
    out[:, 4:7, :3] = np.transpose(normal, (0, 2, 1))
    return out.reshape(n * _TEXELS_PER_PART, 4)
