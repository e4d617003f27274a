"""Mistake: no residuals."""

from torch import nn

from engine.ladder_pieces import FeedForward, LayerNorm, MultiHeadAttention


class Block(nn.Module):
    def __init__(
        self,
        n_embd,
        n_head,
        block_size,
        dropout=0.0,
        attention=MultiHeadAttention,
        feed_forward=FeedForward,
        norm=LayerNorm,
    ):
        super().__init__()
        self.sa = attention(n_embd, n_head, n_embd // n_head, block_size, dropout)
        self.ffwd = feed_forward(n_embd, dropout)
        self.ln1 = norm(n_embd)
        self.ln2 = norm(n_embd)

    def forward(self, x):
        x = self.sa(self.ln1(x))
        return self.ffwd(self.ln2(x))
