"""Mistake: heads stacked on a new last dim, then flattened."""

import torch
from torch import nn

from engine.ladder_pieces import Head


class MultiHeadAttention(nn.Module):
    def __init__(self, n_embd, num_heads, head_size, block_size, dropout=0.0, head=Head):
        super().__init__()
        self.heads = nn.ModuleList()
        for _ in range(num_heads):
            self.heads.append(head(n_embd, head_size, block_size, dropout))
        self.proj = nn.Linear(num_heads * head_size, n_embd)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x):
        joined = torch.stack([h(x) for h in self.heads], dim=-1).flatten(-2)
        return self.dropout(self.proj(joined))
