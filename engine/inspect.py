"""Looking inside a GPT: every attention stage of every layer and head for one text, with the
score and mask switchable on the same weights, and the embeddings that go in.

This is what the Attention pane draws; it returns numpy arrays and token strings, so the
front end holds no model math.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from engine.attention import MaskSpec, check_mask, check_score
from engine.errors import ConfigError
from engine.gpt import GPT
from engine.positional import sinusoidal_table

STAGES = ("scores", "scaled", "masked", "weights", "output")


@dataclass(frozen=True)
class Inspection:
    """One text through the model: per layer, each stage as (n_head, T, T) (output: (n_head,
    T, head_size)), and the query rows a mask left with nothing to look at."""

    tokens: list[str]
    score: str
    mask: str
    layers: list[dict[str, np.ndarray]]
    empty_rows: list[list[int]]
    next_token: list[tuple[str, float]]  # the model's top guesses after the last token
    unknown: list[str] = field(default_factory=list)  # words the vocabulary lacks (<unk>)

    def stage(self, layer: int, head: int, name: str) -> np.ndarray:
        return self.layers[layer][name][head]


def encode_sentence(model: GPT, tokenizer, text: str) -> list[int]:  # noqa: ANN001
    """The text as token ids, or a one-line error a learner can act on."""
    if not text.strip():
        raise ConfigError("type a sentence to look at")
    ids = tokenizer.encode(text)  # unseen characters or words: TokenizerError
    if len(ids) > model.config.block_size:
        raise ConfigError(
            f"the sentence has {len(ids)} tokens; this model reads at most "
            f"{model.config.block_size} (its context length)"
        )
    return ids


@torch.no_grad()
def inspect_attention(
    model: GPT,
    tokenizer,
    text: str,
    *,
    score: str | None = None,  # noqa: ANN001
    mask: MaskSpec | None = None,
    top_n: int = 5,
) -> Inspection:
    """Run `text` through `model`, capturing every stage; `score` and `mask` replace the
    model's own for this look only (the weights stay as trained)."""
    ids = encode_sentence(model, tokenizer, text)
    blocks = [block.attn for block in model.h]
    saved = [(attn.score, attn.mask) for attn in blocks]
    if score is not None:
        check_score(score)
    if mask is not None:
        check_mask(mask)
    was_training = model.training
    model.eval()
    try:
        for attn in blocks:
            attn.score = score or attn.score
            attn.mask = mask if mask is not None else attn.mask
        device = next(model.parameters()).device
        out = model(torch.tensor([ids], device=device), capture=True)
    finally:
        for attn, (old_score, old_mask) in zip(blocks, saved):
            attn.score, attn.mask = old_score, old_mask
        model.train(was_training)
    layers = [
        {name: getattr(st, name)[0].float().cpu().numpy() for name in STAGES} for st in out.stages
    ]
    probs = torch.softmax(out.logits[0, -1].float(), dim=-1)
    values, indices = torch.topk(probs, min(top_n, probs.numel()))
    guesses = [(tokenizer.decode([int(i)]), float(p)) for p, i in zip(values, indices)]
    used_mask = mask if mask is not None else blocks[0].mask
    return Inspection(
        tokens=tokenizer.tokens(text),
        score=score or blocks[0].score,
        mask=used_mask if isinstance(used_mask, str) else "custom",
        layers=layers,
        empty_rows=[list(st.empty_rows) for st in out.stages],
        next_token=guesses,
        unknown=tokenizer.unknown(text),
    )


@torch.no_grad()
def embeddings(model: GPT, tokenizer, text: str) -> dict[str, np.ndarray]:  # noqa: ANN001
    """What goes into the first block: each token's embedding (T, n_embd), its position's
    encoding (T, n_embd), and their sum; plus the sin/cos table for the same positions."""
    ids = encode_sentence(model, tokenizer, text)
    device = next(model.parameters()).device
    idx = torch.tensor(ids, device=device)
    pos = torch.arange(len(ids), device=device)
    tok = model.wte(idx).float().cpu().numpy()
    where = model.wpe(pos).float().cpu().numpy()
    return {
        "token": tok,
        "position": where,
        "sum": tok + where,
        "sinusoidal": sinusoidal_table(len(ids), model.config.n_embd).numpy(),
    }
