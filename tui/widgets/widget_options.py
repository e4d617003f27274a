"""The options every Textual widget takes, declared once for the widgets that pass them on."""

from __future__ import annotations

from typing import TypedDict


class WidgetOptions(TypedDict, total=False):
    """Widget.__init__'s keyword options; a subclass takes **options: Unpack[WidgetOptions]."""

    name: str | None
    id: str | None
    classes: str | None
    disabled: bool
