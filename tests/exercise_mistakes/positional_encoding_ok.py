"""A correct sinusoidal table, odd d included."""

import torch


def positional_encoding(T, d):
    pos = torch.arange(T, dtype=torch.float32).unsqueeze(1)  # (T, 1)
    two_i = torch.arange(0, d, 2, dtype=torch.float32)  # (ceil(d/2),)
    angle = pos / 10000 ** (two_i / d)  # (T, ceil(d/2))
    table = torch.zeros(T, d)
    table[:, 0::2] = torch.sin(angle)
    table[:, 1::2] = torch.cos(angle[:, : d // 2])
    return table
