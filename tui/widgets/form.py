"""What the panes' settings forms share: one error for a field that does not parse, the
parsers that raise it, and the compact drop-down every form uses."""

from __future__ import annotations

from collections.abc import Iterable

from textual.widgets import Select


class SettingsError(ValueError):
    """A field does not parse; the message names it."""


def choice(options: Iterable[tuple[str, object]], value: object, id: str) -> Select:  # noqa: A002
    """A one-line drop-down of (label, value) options, one always chosen."""
    return Select(list(options), value=value, allow_blank=False, id=id, compact=True)


def number(text: str, name: str) -> float:
    try:
        return float(text.strip())
    except ValueError:
        raise SettingsError(f"{name} must be a number: {text.strip()!r}") from None


def whole(text: str, name: str, minimum: int | None = None, blank: bool = False) -> int | None:
    """A whole number (None for a blank field, where `blank` allows one)."""
    text = text.strip()
    if not text and blank:
        return None
    try:
        value = int(text)
    except ValueError:
        empty = " or empty" if blank else ""
        raise SettingsError(f"{name} must be a whole number{empty}: {text!r}") from None
    if minimum is not None and value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, got {value}")
    return value
