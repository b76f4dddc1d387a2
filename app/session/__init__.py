"""What drives an engine for a window: the live ``session`` (device -> runner -> recorder,
ticked on its own thread, reported as Qt signals), its ``warmup`` worker that builds the
engine's first-use structures in the background, and the ``replay_player`` that drives a
re-simulated engine from a recording's clock. No widgets here: the windows listen.
"""
