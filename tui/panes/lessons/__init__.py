"""The Lessons pane."""
