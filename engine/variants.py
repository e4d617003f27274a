"""The attention variants a learner can switch, by name, and the standard GPT's choice of each.

Torch-free, so a pane can offer the choices before PyTorch has loaded: `engine.attention`,
`engine.positional`, `engine.gpt` and `engine.compare` take their names and defaults from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

SCORES = ("scaled_dot", "dot", "squared", "negated", "reversed", "cosine")
MASKS = ("causal", "anti_causal", "none", "window:K")  # plus a user-supplied bool matrix
OFFERED_MASKS = ("causal", "anti_causal", "none", "window:4")  # the named masks panes offer
POSITIONALS = ("sinusoidal", "learned", "none")

# the standard GPT's settings of everything a variant may change (GPTConfig's defaults)
STANDARD: dict[str, Any] = {
    "score": "scaled_dot",
    "mask": "causal",
    "positional": "learned",
    "residual": True,
    "dropout": 0.0,
    "n_head": 4,
}
VARIANT_KEYS = tuple(STANDARD)


def empty_rows(mask: str | Sequence[Sequence[bool]]) -> list[int]:
    """The query rows of a custom mask that hide every key: those positions have nothing to
    look at, so their attention weights and output are zero (a named mask has none)."""
    if isinstance(mask, str):
        return []
    return [i for i, row in enumerate(mask) if not any(row)]
