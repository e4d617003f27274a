"""Mistake: no ReLU between the linears."""

from torch import nn


class FeedForward(nn.Module):
    def __init__(self, n_embd, dropout=0.0):
        super().__init__()
        hidden = 4 * n_embd
        self.net = nn.Sequential(
            nn.Linear(n_embd, hidden), nn.Linear(hidden, n_embd), nn.Dropout(dropout)
        )

    def forward(self, x):
        return self.net(x)
