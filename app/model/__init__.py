"""The window's state without Qt (app.model.workspace.Workspace): what views and controllers
subscribe to, and what a shared session will mirror."""
