"""Exercise: backprop — the four equations of backpropagation, by hand.

Write the function below, then check it:  learn-gpt exercise check backprop
Once it passes, train the digit network with it:  learn-gpt train mlp --backprop backprop.py
You may add your own experiments under `if __name__ == "__main__":`; the check only calls
the function.
"""

import torch  # noqa: F401 - you will need it


def backprop(weights, biases, x, y):
    """(nabla_b, nabla_w): the gradient of the cost, summed over the mini-batch.

    The network is the book's chapter 1 network: the sigmoid σ in EVERY layer, and the
    quadratic cost C = ½ Σ ‖a − y‖², summed over the examples of the mini-batch.
    Everything is a torch tensor (float32). Examples are COLUMNS, as in the book's chapter 2:

    - weights: a list, weights[l] of shape (n_out, n_in) (the book's 784-30-10 network has
      weights[0] (30, 784) and weights[1] (10, 30))
    - biases: a list, biases[l] of shape (n_out, 1)
    - x: the inputs, shape (n_in, m), one example per column (m may be 1)
    - y: the desired outputs, shape (n_last, m)

    Return (nabla_b, nabla_w): two lists as long as `biases` and `weights`, nabla_b[l]
    shaped like biases[l] and nabla_w[l] like weights[l]: ∂C/∂b and ∂C/∂w, SUMMED over the
    m examples (not averaged: update_mini_batch divides by m).

    The four equations (⊙ is elementwise, σ'(z) = σ(z)(1 − σ(z))):
      BP1  δᴸ = (aᴸ − y) ⊙ σ'(zᴸ)               at the output layer
      BP2  δˡ = ((wˡ⁺¹)ᵀ δˡ⁺¹) ⊙ σ'(zˡ)           going back, layer by layer
      BP3  ∂C/∂bˡ = δˡ                            summed over the columns
      BP4  ∂C/∂wˡ = δˡ (aˡ⁻¹)ᵀ                   the matrix product sums over the columns
    Write them yourself (no autograd). Do not change the inputs in place.
    """
    raise NotImplementedError("write this yourself")
