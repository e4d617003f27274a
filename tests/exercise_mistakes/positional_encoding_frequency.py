"""Mistake: every column gets its own frequency, 10000^(column / d)."""

import torch


def positional_encoding(T, d):
    pos = torch.arange(T, dtype=torch.float32).unsqueeze(1)
    column = torch.arange(d, dtype=torch.float32)
    angle = pos / 10000 ** (column / d)
    table = torch.sin(angle)
    table[:, 1::2] = torch.cos(angle[:, 1::2])
    return table
