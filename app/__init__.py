"""Entry point, CLI and session wiring: the only package that knows every other one."""
