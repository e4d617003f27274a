"""Drive the whole app with seeded random keys and clicks; say whether it survived.

Usage: python tools/monkey.py [INPUTS] [SEED]   (defaults 3000 and 20261122)

Keys and clicks are posted the way the terminal driver posts them, without waiting for the
app to go idle, across every pane, with models training in the background. Every 25 inputs
it waits (at most 20 s) for the app to catch up: a longer wait is a stall, and it prints the
last 30 inputs and the pending asyncio tasks. Exit status 0 only if the app raised nothing
and was still alive at the end. tests/test_monkey.py runs it in a subprocess, so a stall
fails the test instead of hanging the suite.

What it has found so far (each fixed, each with its own test in tests/test_monkey.py): a
second enter or escape closing the screen under a modal, a second click on the command
palette's background doing the same (tui.widgets.modal), a gallery card shown before it
had mounted, keys typed just after `q` reaching panes being taken down, and Textual starting
a text selection in a widget removed a moment before (tui.panes.base.PaneScreen).
"Caught up" is checked widget by widget rather than with Pilot's pause, which can wait
forever on a widget removed after it queued its callback.
"""

from __future__ import annotations

import asyncio
import io
import os
import random
import sys
import tempfile
from pathlib import Path

from textual import events

import tui.app
from tui.app import LearnGPTApp

KEYS = (
    list("1234567") * 5
    + list("abcdeghilmnopstvwxO?LH[],.") * 2
    + [
        "left",
        "right",
        "up",
        "down",
        "space",
        "enter",
        "escape",
        "tab",
        "shift+tab",
        "backspace",
        "ctrl+s",
        "ctrl+o",
        "0",
        "-",
        # the lesson's keys beside a pane, and paging (they once stalled the Attention pane)
        "ctrl+n",
        "ctrl+r",
        "ctrl+l",
        "ctrl+t",
        "ctrl+down",
        "G",
        "pageup",
        "pagedown",
    ]
)
SIZE = (100, 30)


class MonkeyApp(LearnGPTApp):
    """The app, except that it does not quit: random typing in the command palette (opened by
    a click on the footer) can pick its Quit command, which would end the run early."""

    CSS_PATH = str(Path(tui.app.__file__).with_name("app.tcss"))  # not beside this file
    quit_requests = 0

    def exit(self, *args: object, **kwargs: object) -> None:
        self.quit_requests += 1


async def caught_up(app: LearnGPTApp, timeout: float) -> list[str]:
    """Wait until the app, its screen and every widget on it have handled what was queued
    before now; return the ones that did not within `timeout` (empty: the app is live)."""
    nodes = [app, *app.screen.walk_children(with_self=True)]
    waiting = {id(node): node for node in nodes}
    done = asyncio.Event()

    def handled(node: object) -> None:
        waiting.pop(id(node), None)
        if not waiting:
            done.set()

    for node in nodes:
        if not node.call_later(handled, node):
            waiting.pop(id(node), None)
    if waiting:
        try:
            await asyncio.wait_for(done.wait(), timeout)
        except TimeoutError:
            return [
                f"{node!r} attached={node.is_attached} running={node.is_running}"
                for node in waiting.values()
            ]
    return []


async def settled(app: LearnGPTApp, rounds: int = 5) -> list[str]:
    """Caught up several times over: a key goes from the app to the screen and the focused
    widget and back again as it is handled, so one round may end before its effects do."""
    for _ in range(rounds):
        stuck = await caught_up(app, 60)
        if stuck:
            return stuck
        await asyncio.sleep(0.2)
    return []


def click(app: LearnGPTApp, x: int, y: int) -> None:
    for kind in (events.MouseDown, events.MouseUp, events.Click):
        app.post_message(kind(None, x, y, 0, 0, 1, False, False, False, screen_x=x, screen_y=y))


async def main(presses: int, seed: int) -> bool:
    os.chdir(tempfile.mkdtemp())  # saves land in a scratch folder
    rng = random.Random(seed)
    app = MonkeyApp()
    async with app.run_test(size=SIZE) as pilot:
        while not app.engine_ready:
            await pilot.pause(0.05)
        last: list[object] = []
        for i in range(presses):
            if rng.random() < 0.05:
                x, y = rng.randrange(SIZE[0]), rng.randrange(SIZE[1])
                click(app, x, y)
                last.append(("click", x, y))
            else:
                key = rng.choice(KEYS)
                app.post_message(events.Key(key, key if len(key) == 1 else None))
                last.append(key)
            if i % 25 == 0:
                stuck = await caught_up(app, 20)
                if stuck:
                    print(f"STALL after {i} inputs on {app.current_mode}: last {last[-30:]}")
                    print("not caught up:", *stuck, sep="\n  ")
                    for task in asyncio.all_tasks():
                        stack = io.StringIO()
                        task.print_stack(limit=8, file=stack)
                        if "message pump" not in task.get_name():
                            print(stack.getvalue())
                    return False
                last = last[-30:]
            if app._exception is not None:
                print(f"EXCEPTION after {i} inputs: {app._exception!r}; last {last[-30:]}")
                return False
            if i % 250 == 0:
                print(i, app.current_mode, type(app.screen).__name__, flush=True)
        stuck = await settled(app)  # the last inputs land
        if not stuck:  # and the app still does what it is asked
            await asyncio.wait_for(app.run_action("switch_mode('lessons')"), 30)
            stuck = await settled(app)
        where = f"on {app.current_mode}, {type(app.screen).__name__}; not caught up: {stuck}"
        alive = app.is_running and not stuck and app.current_mode == "lessons"
    if alive and app._exception is None:
        print(f"survived {presses} inputs (seed {seed}; quit asked {app.quit_requests} times)")
        return True
    if app._exception is not None:
        print(f"EXCEPTION at the end: {app._exception!r}")
    else:
        print(f"NOT LIVE at the end: {where}; running {app.is_running}, quitting {app.quitting}")
    return False


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    presses, seed = (args + [3000, 20261122][len(args) :])[:2]
    sys.exit(0 if asyncio.run(main(presses, seed)) else 1)
