"""A message about the widget that posts it."""

from __future__ import annotations

from textual.message import Message
from textual.widget import Widget


class WidgetMessage(Message):
    """Names its widget as `control`, so a handler can pick it with @on(Message, "#id")."""

    def __init__(self, widget: Widget) -> None:
        super().__init__()
        self.widget = widget

    @property
    def control(self) -> Widget:
        return self.widget
