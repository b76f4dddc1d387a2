"""Input sources. Every device produces InputFrames (interaction.frame) and reports
whether it can run here (``available`` / ``why_not``) so the app can say why not."""
