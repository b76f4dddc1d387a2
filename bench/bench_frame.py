"""Frame time of the renderer at 1280x720 on this machine's OpenGL (Mesa llvmpipe under
Xvfb here) against the tools a user would otherwise pick to look at the same model.

Scenes: the bundled sample (AS1, 5.6 k triangles, 18 parts) and a ~1 M-triangle
assembly made of ten copies of the PM4 pump (real CAD, 99 k triangles, 32 parts each).

Peers, measured in the same run on the same scene, view (eye, target, field of view, clip
planes) and window size, taking turns frame by frame so that load from other processes
hits them alike:

- PyVista (VTK) with the whole scene merged into one mesh (its fastest case), and with
  one actor per mesh-carrying node, its matrix and colour (what a scene-graph viewer
  does); each without MSAA (as ours) and with 4x MSAA (PyVista's default is none here);
- vispy's SceneCanvas with one merged MeshVisual, smooth-shaded.

Every contender is timed to glFinish (VTK: WaitForCompletion), so the rasteriser's work
is in the figure. Peers need the optional ``bench`` extra (``pip install -e '.[bench]'``);
one that cannot run here is reported and skipped. With ``--stats`` the vertex-shader,
primitive and fragment-shader invocations of our frame are printed
(ARB_pipeline_statistics_query), so a reader with a GPU can judge whether the frame is
vertex- or fill-bound there.

Run: ``xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python bench/bench_frame.py``
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from OpenGL import GL  # noqa: E402

from app.display.offscreen import OffscreenTarget  # noqa: E402
from scenes.loader import load_scene  # noqa: E402
from scenes.model import Node, Scene  # noqa: E402
from scenes.samples import SAMPLE_SCENE  # noqa: E402
from views.camera import Camera  # noqa: E402
from views.render_state import RenderState  # noqa: E402
from views.renderer import Renderer  # noqa: E402

PM4 = Path(__file__).resolve().parents[1] / "tests" / "data" / "cad" / "glb" / "trj6_pm4-ec-203.glb"
W, H = 1280, 720
#: ARB_pipeline_statistics_query targets
_STATS = {
    "vertex shader invocations": 0x82F0,
    "primitives into clipping": 0x82F6,
    "fragment shader invocations": 0x82F4,
}


def tiled(scene: Scene, copies: int) -> Scene:
    """`copies` of a scene side by side, sharing its meshes (an assembly line of pumps)."""
    size = scene.bounds[1] - scene.bounds[0]
    nodes: list[Node] = []
    roots = []
    for c in range(copies):
        offset = len(nodes)
        root = len(nodes) + len(scene.nodes)
        for n in scene.nodes:
            parent = n.parent + offset if n.parent is not None else root
            nodes.append(
                Node(n.index + offset, n.name, f"copy{c}/{n.path}", n.local, parent, [k + offset for k in n.children], n.mesh)
            )
        local = np.eye(4)
        local[0, 3] = (c % 5) * size[0] * 1.2
        local[2, 3] = (c // 5) * size[2] * 1.2
        children = [r + offset for r in scene.roots]
        nodes.append(Node(root, f"copy{c}", f"copy{c}", local, None, children))
        roots.append(root)
    # renumber: node index must equal its position
    remap = {n.index: i for i, n in enumerate(nodes)}
    for i, n in enumerate(nodes):
        n.index = i
        n.parent = remap[n.parent] if n.parent is not None else None
        n.children = [remap[k] for k in n.children]
    return Scene(f"{scene.source.stem} x{copies}", nodes, scene.meshes, scene.materials, [remap[r] for r in roots])


# -- the scene as the peers get it --------------------------------------------------------
def node_meshes(scene: Scene) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, tuple]]:
    """(positions (n, 3), normals (n, 3), triangles (m, 3), world (4, 4), rgba) per
    mesh-carrying node and triangle primitive, in the node's frame."""
    out = []
    world = scene.world_matrices
    for node in scene.nodes:
        if node.mesh is None:
            continue
        for prim in scene.meshes[node.mesh].primitives:
            if prim.mode != "triangles" or prim.triangle_count == 0:
                continue
            normals = prim.normals if prim.normals is not None else np.zeros_like(prim.positions)
            rgba = scene.materials[prim.material].base_color if prim.material is not None else (0.8, 0.8, 0.8, 1)
            out.append((prim.positions, normals, prim.indices.reshape(-1, 3), world[node.index], tuple(rgba)))
    return out


def merged(pieces) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """All pieces in world space as one mesh: positions, normals, triangles, RGB8 per vertex."""
    pos, nrm, tri, col, base = [], [], [], [], 0
    for p, n, t, m, rgba in pieces:
        pos.append(p @ m[:3, :3].T + m[:3, 3])
        nn = n @ np.linalg.inv(m[:3, :3])
        nrm.append(nn / np.maximum(np.linalg.norm(nn, axis=1, keepdims=True), 1e-12))
        tri.append(t + base)
        col.append(np.tile(np.round(np.array(rgba[:3]) * 255), (len(p), 1)))
        base += len(p)
    return (np.concatenate(pos).astype(np.float32), np.concatenate(nrm).astype(np.float32),
            np.concatenate(tri).astype(np.int64), np.concatenate(col).astype(np.uint8))


class PyVistaPeer:
    """A PyVista plotter (its own VTK window under the same X server) showing the scene
    merged or per actor, through our camera."""

    def __init__(self, pieces, camera: Camera, per_actor: bool, msaa: bool) -> None:
        import pyvista as pv

        self.plotter = pv.Plotter(off_screen=True, window_size=(W, H))
        if per_actor:
            for p, n, t, m, rgba in pieces:
                mesh = pv.PolyData(p.astype(np.float32), np.hstack([np.full((len(t), 1), 3), t]).astype(np.int64))
                mesh.point_data.active_normals = n.astype(np.float32)
                actor = self.plotter.add_mesh(mesh, color=rgba[:3], smooth_shading=True)
                actor.user_matrix = m
            self.actors = len(pieces)
        else:
            pos, nrm, tri, col = merged(pieces)
            mesh = pv.PolyData(pos, np.hstack([np.full((len(tri), 1), 3), tri]))
            mesh.point_data.active_normals = nrm
            mesh.point_data["rgb"] = col
            self.plotter.add_mesh(mesh, scalars="rgb", rgb=True, smooth_shading=True)
            self.actors = 1
        if msaa:
            self.plotter.enable_anti_aliasing("msaa", multi_samples=4)
        else:
            self.plotter.disable_anti_aliasing()
        self.plotter.show(auto_close=False)
        # our camera, set after show() (which frames the scene its own way)
        cam = self.plotter.camera
        cam.position = tuple(camera.eye())
        cam.focal_point = tuple(camera.target)
        cam.up = tuple(camera.camera_to_world()[:3, 1])
        cam.view_angle = float(np.degrees(camera.fov_y))
        cam.clipping_range = camera.clip_planes()
        self.window = self.plotter.ren_win

    def draw(self) -> None:
        self.window.Render()
        self.window.WaitForCompletion()

    def shot(self) -> np.ndarray:
        return self.plotter.screenshot(return_img=True)

    def close(self) -> None:
        self.plotter.close()


class VispyPeer:
    """vispy's SceneCanvas (PySide6 backend) with one merged, smooth-shaded MeshVisual."""

    def __init__(self, pieces, camera: Camera) -> None:
        import vispy

        vispy.use("pyside6")
        from vispy import scene as vscene
        from vispy.gloo import gl as vgl

        self._gl = vgl
        pos, nrm, tri, col = merged(pieces)
        self.canvas = vscene.SceneCanvas(size=(W, H), show=True, bgcolor=(0.3, 0.3, 0.35, 1.0))
        view = self.canvas.central_widget.add_view()
        mesh = vscene.visuals.Mesh(vertices=pos, faces=tri.astype(np.uint32), vertex_colors=col / 255.0, shading="smooth")
        view.add(mesh)
        # vispy's turntable camera looking from our eye at our target, same field of view
        d = camera.eye() - camera.target
        view.camera = vscene.cameras.TurntableCamera(
            fov=float(np.degrees(camera.fov_y)), distance=float(np.linalg.norm(d)), center=tuple(camera.target),
            elevation=float(np.degrees(np.arcsin(d[1] / np.linalg.norm(d)))),
            azimuth=float(np.degrees(np.arctan2(d[2], -d[0]))), up="+y",
        )
        self.canvas.native.resize(W, H)
        self.canvas.app.process_events()

    def draw(self) -> None:
        self.canvas.set_current()
        self.canvas.on_draw(None)
        self.canvas.context.flush_commands()
        self._gl.glFinish()

    def shot(self) -> np.ndarray:
        return self.canvas.render()

    def close(self) -> None:
        self.canvas.close()


# -- timing -----------------------------------------------------------------------------
def timed(draws: dict[str, Callable[[], None]], frames: int) -> dict[str, list[float]]:
    """name -> per-frame ms (each including glFinish), contenders taking turns per frame;
    the first round (uploads, shader variants, caches) is not counted."""
    samples: dict[str, list[float]] = {name: [] for name in draws}
    for frame in range(frames + 1):
        for name, draw in draws.items():
            t0 = time.perf_counter()
            draw()
            if frame:
                samples[name].append((time.perf_counter() - t0) * 1e3)
    return samples


def ours(renderer: Renderer, target: OffscreenTarget, view, proj, state: RenderState) -> Callable[[], None]:
    def run() -> None:
        target.make_current()
        renderer.draw(view, proj, (0, 0, W, H), target.framebuffer, state)
        GL.glFinish()

    return run


def pipeline_stats(draw: Callable[[], None]) -> dict[str, int] | None:
    """Invocation counts of one frame, or None without ARB_pipeline_statistics_query."""
    extensions = {GL.glGetStringi(GL.GL_EXTENSIONS, i).decode() for i in range(GL.glGetIntegerv(GL.GL_NUM_EXTENSIONS))}
    if "GL_ARB_pipeline_statistics_query" not in extensions:
        return None
    out = {}
    for name, target in _STATS.items():
        query = int(np.ravel(GL.glGenQueries(1))[0])
        GL.glBeginQuery(target, query)
        draw()
        GL.glEndQuery(target)
        out[name] = int(GL.glGetQueryObjectuiv(query, GL.GL_QUERY_RESULT))
        GL.glDeleteQueries(1, [query])
    return out


def bench(
    name: str, scene: Scene, target: OffscreenTarget, frames: int, peers: bool, stats: bool, shots: Path | None = None
) -> None:
    camera = Camera()
    camera.frame(scene.bounds, W / H, "iso")
    view, proj = camera.view_matrix(), camera.projection_matrix(W / H)
    target.make_current()
    renderer = Renderer()
    renderer.set_scene(scene)
    plain = RenderState(background_gradient=False, show_grid=False)
    t0 = time.perf_counter()
    renderer.draw(view, proj, (0, 0, W, H), target.framebuffer, plain)
    GL.glFinish()
    upload = (time.perf_counter() - t0) * 1e3
    if shots is not None:
        shots.mkdir(parents=True, exist_ok=True)
        _save(shots / f"{name.split()[0]}-xrjig.png", target.render(lambda fb: renderer.draw(view, proj, (0, 0, W, H), fb, plain)))
    draws: dict[str, Callable[[], None]] = {"xrjig": ours(renderer, target, view, proj, plain)}
    moved = {p.id: scene.world_matrix(p.node) @ _nudge() for p in scene.parts}
    draws["xrjig, every part moved"] = ours(
        renderer, target, view, proj, RenderState(part_poses=moved, background_gradient=False, show_grid=False)
    )
    draws["xrjig + gradient + grid (as the GUI)"] = ours(renderer, target, view, proj, RenderState())
    closers = []
    pieces = node_meshes(scene)
    if peers:
        for label, make in (
            ("PyVista merged, no MSAA", lambda: PyVistaPeer(pieces, camera, per_actor=False, msaa=False)),
            ("PyVista per actor, no MSAA", lambda: PyVistaPeer(pieces, camera, per_actor=True, msaa=False)),
            ("PyVista merged, 4x MSAA", lambda: PyVistaPeer(pieces, camera, per_actor=False, msaa=True)),
            ("PyVista per actor, 4x MSAA", lambda: PyVistaPeer(pieces, camera, per_actor=True, msaa=True)),
            ("vispy merged", lambda: VispyPeer(pieces, camera)),
        ):
            try:
                peer = make()
            except Exception as err:  # noqa: BLE001 - a peer that cannot run here is reported, not fatal
                print(f"  {label}: cannot run here ({type(err).__name__}: {err})")
                continue
            closers.append(peer.close)
            draws[label] = peer.draw
            if shots is not None:
                _save(shots / f"{name.split()[0]}-{label.replace(' ', '_').replace(',', '')}.png", peer.shot())
    t = timed(draws, frames)
    print(f"\n{name}: {scene.triangle_count:,} triangles, {len(scene.nodes)} nodes, {len(scene.parts)} parts, "
          f"{len(pieces)} mesh-carrying node primitives")
    print(f"  first frame incl. upload {upload:8.1f} ms; {renderer.draw_calls} draw calls a frame")
    ref = statistics.median(t["xrjig"])
    for label, samples in t.items():
        med = statistics.median(samples)
        spread = f"{min(samples):6.1f}-{max(samples):6.1f}"
        ratio = f"ours/peer {ref / med:5.2f}x" if not label.startswith("xrjig") else ""
        print(f"  {label:38s} {med:8.1f} ms/frame (min-max {spread}) {ratio}")
    if stats:
        target.make_current()
        counts = pipeline_stats(lambda: renderer.draw(view, proj, (0, 0, W, H), target.framebuffer, plain))
        if counts is None:
            print("  (no ARB_pipeline_statistics_query: invocation counts unavailable)")
        else:
            print("  one frame: " + ", ".join(f"{k} {v:,}" for k, v in counts.items())
                  + f" ({W * H:,} pixels)")
    for close in closers:
        close()
    target.make_current()
    renderer.release()


def bench_culling(scene: Scene, target: OffscreenTarget, frames: int) -> None:
    """Zoomed on one pump of the ten (as when walking through an assembly): frustum
    culling on vs off, same renderer, same picture."""
    first = [p for p in scene.parts if p.id.startswith("copy0/")]
    bounds = scene.node_bounds([n for p in first for n in scene.part_nodes(p)])
    camera = Camera()
    camera.frame(bounds, W / H, "iso")
    view, proj = camera.view_matrix(), camera.projection_matrix(W / H)
    target.make_current()
    renderer = Renderer()
    renderer.set_scene(scene)
    plain = RenderState(background_gradient=False, show_grid=False)

    def draw(culling: bool) -> Callable[[], None]:
        def run() -> None:
            renderer.frustum_culling = culling
            target.make_current()
            renderer.draw(view, proj, (0, 0, W, H), target.framebuffer, plain)
            GL.glFinish()

        return run

    t = timed({"culled": draw(True), "all": draw(False)}, frames)
    draw(True)()
    on, off = statistics.median(t["culled"]), statistics.median(t["all"])
    print(f"\nPM4 x10 zoomed on one pump: {renderer.culled_parts} of {len(scene.parts)} parts outside the view")
    print(f"  frustum culling on  {on:8.1f} ms/frame; off {off:8.1f} ms/frame (off/on {off / on:.2f}x)")
    renderer.release()


def _save(path: Path, rgba: np.ndarray) -> None:
    from PIL import Image

    Image.fromarray(np.ascontiguousarray(rgba)).save(path)


def _nudge() -> np.ndarray:
    m = np.eye(4)
    m[1, 3] = 0.01
    return m


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=15)
    parser.add_argument("--no-peers", action="store_true", help="only our renderer")
    parser.add_argument("--stats", action="store_true", help="vertex/primitive/fragment invocation counts")
    parser.add_argument("--big-only", action="store_true", help="skip the sample scene and culling")
    parser.add_argument("--shots", type=Path, help="save every contender's picture here (same view?)")
    args = parser.parse_args()
    from app.display.application import create_application

    create_application()  # a QApplication: vispy's PySide6 backend shares it
    sample, big = load_scene(SAMPLE_SCENE), tiled(load_scene(PM4), 10)
    with OffscreenTarget(W, H, samples=0) as target:
        target.make_current()
        print(f"OpenGL: {GL.glGetString(GL.GL_RENDERER).decode()}, {W}x{H}, ours without MSAA, "
              f"{args.frames} frames, median")
        if not args.big_only:
            bench("sample (AS1)", sample, target, args.frames, not args.no_peers, args.stats, args.shots)
        bench("PM4 x10", big, target, args.frames, not args.no_peers, args.stats, args.shots)
        if not args.big_only:
            bench_culling(big, target, args.frames)


if __name__ == "__main__":
    main()
