"""Mistake: cosines in the even columns, sines in the odd ones."""

import torch


def positional_encoding(T, d):
    pos = torch.arange(T, dtype=torch.float32).unsqueeze(1)
    two_i = torch.arange(0, d, 2, dtype=torch.float32)
    angle = pos / 10000 ** (two_i / d)
    table = torch.zeros(T, d)
    table[:, 0::2] = torch.cos(angle)
    table[:, 1::2] = torch.sin(angle[:, : d // 2])
    return table
