"""Interaction verbs: each thing a person can do to the scene in its own module.

A verb (grab and carry, measure, poke, gaze dwell, ...) is an object the engine calls
once per hand (``HandVerb``) or once per frame (``FrameVerb``) in a fixed order: the
order is ``Engine``'s, because it decides the order of events and so the bytes of a
recording. The protocol and the per-hand turn are in ``base``; this package imports
nothing of its own on purpose (no verb module pulls in the others, nor the engine).
"""
