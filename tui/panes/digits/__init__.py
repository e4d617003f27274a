"""The Digits pane."""
