"""A modal screen that closes once: keys pressed faster than the screen can close (escape,
escape) must not pop the screen underneath it."""

from __future__ import annotations

from typing import Generic, TypeVar

from textual.screen import ModalScreen

Result = TypeVar("Result")


class OnceModal(ModalScreen[Result], Generic[Result]):
    _closing = False

    async def action_dismiss(self, result: Result | None = None) -> None:
        """Textual's own dismiss (it flushes pending callbacks first), at most once."""
        if self._closing:
            return
        self._closing = True
        await super().action_dismiss(result)
