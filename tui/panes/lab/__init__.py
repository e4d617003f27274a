"""The Lab pane."""
