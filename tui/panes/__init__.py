"""One screen per pane of the app."""
