"""Train the GPT that ships with learn-gpt, with the project's own engine, and save it small.

Usage: python tools/make_pretrained.py
Trains the `cpu` preset (nanoGPT's CPU baby GPT) on the bundled Shakespeare sample with seed
1337 (the same run as `learn-gpt train gpt --preset cpu --corpus sample --seed 1337`), then
writes the weights in half precision with the tokenizer and config, without the optimiser
state, to engine/pretrained/shakespeare-cpu.pt, and the figures to its section of the README
(the other shipped models' sections are kept as they are).
"""

from __future__ import annotations

import time
from pathlib import Path

import torch

from engine.events import EvalDone
from engine.gpt_run import GPTRun

OUT = Path(__file__).resolve().parents[1] / "engine" / "pretrained"
COMMAND = "learn-gpt train gpt --preset cpu --corpus sample --seed 1337"
TITLE = "# Pretrained models\n\n"
SECTION = "## shakespeare-cpu.pt\n"


def with_section(readme: str, section: str) -> str:
    """`readme` with its shakespeare-cpu.pt section (up to the next "## ") replaced by
    `section`, first after the title; the other models' sections follow unchanged."""
    start = readme.find(SECTION)
    end = readme.find("\n## ", start + 1) if start >= 0 else -1
    others = readme[end + 1 :] if end >= 0 else ""
    return TITLE + section + ("\n" + others if others else "")


def main() -> None:
    torch.set_num_threads(2)
    run = GPTRun.start("sample", preset="cpu", train={"seed": 1337, "sample_interval": 0})
    began = time.perf_counter()
    for event in run.events():
        if isinstance(event, EvalDone):
            print(f"step {event.step}: train {event.train_loss:.4f}, val {event.val_loss:.4f}")
    minutes = (time.perf_counter() - began) / 60
    path = run.save_model(OUT / "shakespeare-cpu.pt").path
    last = run.history[-1]
    sample = run.sample(300, prompt="ROMEO:", seed=1)
    readme = OUT / "README.md"
    section = SECTION + (
        f"The `cpu` preset ({run.model.num_params():,} parameters: 4 layers, 4 heads, 128 wide, "
        f"context 64) trained for {run.step} steps on {run.corpus.source}.\n\n"
        f"- made by `python tools/make_pretrained.py`, the same run as `{COMMAND}`\n"
        f"- seed 1337; {minutes:.1f} minutes on 2 CPU threads, torch {torch.__version__}\n"
        f"- final loss: train {last.train_loss:.4f}, validation {last.val_loss:.4f}\n"
        "- weights stored in half precision, without the optimiser state "
        "(it can be sampled and looked into, not resumed)\n\n"
        f"A sample (prompt `ROMEO:`, seed 1, temperature 1.0):\n\n```\n{sample}\n```\n"
    )
    readme.write_text(with_section(readme.read_text() if readme.exists() else "", section))
    print(f"wrote {path} ({path.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
