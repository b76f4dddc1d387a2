"""Input model, interaction engine, tasks, recording and metrics.

Pure Python + NumPy: no Qt, no OpenGL, no wall clock, no unseeded randomness. Same
scenario + parameters + InputFrames => the same events, bit for bit.
"""
