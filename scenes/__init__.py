"""Scene model, loaders, spatial queries and scenario files.

Pure Python + NumPy (+ trimesh, embreex): no Qt, no OpenGL. Everything else in xrjig
builds on these types, so they stay small and stable.
"""

from scenes.model import Material, Mesh, Node, Part, Primitive, Scene, SceneError

__all__ = ["Material", "Mesh", "Node", "Part", "Primitive", "Scene", "SceneError"]
