"""Several people in one task, over Zenoh (issue 14): session names and key space, the
presence wire format, the roster of who is there, and the link a participant holds. No Qt:
a window, the autopilot and ``xrjig session watch`` use the same pieces."""
