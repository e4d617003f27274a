"""PageUp/PageDown on an OptionList that has no lines yet.

Textual 8.2.8's `OptionList._move_page` reads the line of the highlighted option, and an
option list with no size (a Select's closed dropdown, the lesson list while its pane is being
shown) has none: a KeyError ends the app. The monkey (tools/monkey.py) found it on the Lab's
selects and on the Lessons pane. Every OptionList of the app, Textual's own included, gets
the guard below: with nothing laid out there is no page to move by.
"""

from __future__ import annotations

from textual.widgets import OptionList

_move_page = OptionList._move_page


def _move_page_when_laid_out(self: OptionList, direction: int) -> None:
    if self._options and (self.highlighted or 0) not in self._index_to_line:
        return
    _move_page(self, direction)


OptionList._move_page = _move_page_when_laid_out  # type: ignore[method-assign]
