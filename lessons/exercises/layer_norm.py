"""Exercise: layer_norm — layer norm by hand, as a PyTorch module (the lecture's LayerNorm1d).

Write the class below, then check it:  learn-gpt exercise check layer_norm
The check builds your LayerNorm, gives it random gamma and beta by attribute name (so keep the
names below), and compares it with the engine's on many inputs. Write the arithmetic yourself:
nn.LayerNorm and F.layer_norm are refused. You may add your own experiments under
`if __name__ == "__main__":`; the check only uses the class.
"""

import torch  # noqa: F401 - you will need it
from torch import nn


class LayerNorm(nn.Module):
    """Each position's features get mean 0 and variance 1, then a learned gain and shift:
    out = gamma * (x − mean) / √(var + eps) + beta, the mean and variance over the last dim.

    - dim: the number of features, x's last dim
    - eps: added to the variance, so a row of equal features does not divide by 0

    forward(x): x (..., dim), float32, e.g. (B, C) or (B, T, C) → out, the same shape

    In __init__, with these names (the check loads the weights by name):
      self.gamma = nn.Parameter(torch.ones(dim)), self.beta = nn.Parameter(torch.zeros(dim)),
      self.eps = eps

    In forward:
      1. mean and var over the last dim, keepdim=True: (..., 1) each; var is the biased
         one, divided by dim: x.var(-1, keepdim=True, unbiased=False)
      2. xhat = (x − mean) / torch.sqrt(var + self.eps)
      3. return self.gamma * xhat + self.beta
    """

    def __init__(self, dim, eps=1e-5):
        super().__init__()
        raise NotImplementedError("write this yourself")

    def forward(self, x):
        raise NotImplementedError("write this yourself")
