"""Offline voice commands: phrase sets, speech files and the PocketSphinx recogniser (no Qt)."""
