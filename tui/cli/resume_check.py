"""A resumed run keeps its settings: naming a different one on the command line is an error."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.errors import ConfigError


def refuse_changes(
    given: Mapping[str, Any],
    saved: Mapping[str, Any],
    may_change: set[str],
    flags: Mapping[str, str] | None = None,
) -> None:
    """Raise ConfigError for the first setting in `given` that differs from `saved`."""
    for key, value in given.items():
        if key in may_change or key not in saved or saved[key] == value:
            continue
        flag = (flags or {}).get(key, "--" + key.replace("_", "-"))
        raise ConfigError(
            f"{flag} {value} differs from the checkpoint's {saved[key]}: "
            "a resumed run keeps its settings"
        )
