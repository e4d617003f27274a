"""The options several commands take (--data-dir, --device, --threads), declared once so
their help reads the same everywhere."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        envvar="LEARN_GPT_DATA_DIR",
        show_envvar=True,
        exists=True,  # a folder the learner named that is not there is a mistake to say
        file_okay=False,
        help="Folder holding full data sets (MNIST IDX files or mnist.pkl.gz, ...).",
    ),
]
Device = Annotated[
    str, typer.Option(help="auto (cuda, then mps, then cpu), cuda, cuda:N, mps or cpu.")
]
MAX_SEED = 2**63 - 1  # torch.manual_seed takes a signed 64-bit number
MAX_STEPS = 100_000_000  # as engine.train_config.MAX_ITERS: more steps than that is a typo
Threads = Annotated[
    int | None, typer.Option(help="torch CPU threads (default: chosen per workload).")
]


def checked_device(device: str) -> str:
    """`device`, refused in one line (ConfigError, DeviceError) if this machine cannot use it.
    "auto" is left for the app to resolve once torch has loaded: choosing here would import
    torch (seconds) before `--help` or the app's first frame; a device named outright is worth
    that wait, since it is refused before anything starts."""
    if device != "auto":
        from engine.device import pick_device

        pick_device(device)
    return device


def named(settings: dict[str, Any]) -> dict[str, Any]:
    """The settings the learner named: typer gives None for every option left out, and the
    engine (or a resumed checkpoint) decides those."""
    return {key: value for key, value in settings.items() if value is not None}
