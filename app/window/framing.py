"""What the view looks at: the bounds of a task (its parts where they start and where they
belong) and the orbit camera put along a head pose. Shared by the live window, the replay
window and the headset mirror, none of which needs the others for it.
"""

from __future__ import annotations

import math

import numpy as np

from scenes.index import SceneIndex
from scenes.model import Scene
from scenes.scenario import Scenario
from scenes.transforms import transform_points
from views.camera import Camera


def follow_head(camera: Camera, head: np.ndarray) -> None:
    """Point the orbit camera along a roll-free (4, 4) head pose, keeping its distance."""
    forward = -head[:3, 2]
    camera.yaw = math.atan2(-forward[0], -forward[2])
    camera.pitch = math.asin(float(np.clip(forward[1], -1.0, 1.0)))
    camera.target = head[:3, 3] + forward * camera.distance


def task_bounds(scene: Scene, scenario: Scenario, index: SceneIndex) -> np.ndarray | None:
    """(2, 3) world bounds of every part where it starts and of every target, so the
    first view shows both the parts to pick up and where they go."""
    corners = [index.part_world_bounds(p.id) for p in scene.parts]
    for pid in scenario.parts:
        part = scene.part(pid)
        authored = scene.node_bounds(scene.part_nodes(part))
        if authored is None:
            continue
        to_target = scenario.target_matrix(scene, pid) @ np.linalg.inv(
            scene.world_matrix(part.node)
        )
        box = np.array(
            [[x, y, z] for x in authored[:, 0] for y in authored[:, 1] for z in authored[:, 2]]
        )
        corners.append(transform_points(to_target, box))
    if not corners:
        return None
    points = np.concatenate(corners)
    return np.stack([points.min(axis=0), points.max(axis=0)])
