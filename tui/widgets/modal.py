"""A modal screen that closes once: keys pressed faster than the screen can close (escape,
escape) must not pop the screen underneath it."""

from __future__ import annotations

from typing import Generic, TypeVar

from textual.screen import ModalScreen

Result = TypeVar("Result")


class OnceModal(ModalScreen[Result], Generic[Result]):
    _closing = False

    def close(self, result: Result | None = None) -> None:
        if not self._closing and self.is_current:
            self._closing = True
            self.dismiss(result)

    def action_close(self) -> None:
        self.close()
