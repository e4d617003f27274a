"""Mistake: the mask on the wrong side (torch.triu)."""

import torch
from torch import nn
from torch.nn import functional as F


class Head(nn.Module):
    def __init__(self, n_embd, head_size, block_size, dropout=0.0):
        super().__init__()
        self.key = nn.Linear(n_embd, head_size, bias=False)
        self.query = nn.Linear(n_embd, head_size, bias=False)
        self.value = nn.Linear(n_embd, head_size, bias=False)
        self.register_buffer("triu", torch.triu(torch.ones(block_size, block_size)))

    def forward(self, x):
        k, q = self.key(x), self.query(x)
        T = x.shape[1]
        wei = q @ k.transpose(-2, -1) * k.shape[-1] ** -0.5
        wei = wei.masked_fill(self.triu[:T, :T] == 0, float("-inf"))
        return F.softmax(wei, dim=-1) @ self.value(x)
