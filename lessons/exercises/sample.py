"""Exercise: sample — temperature, top-k, and one draw of the next token.

Write the function below, then check it:  learn-gpt exercise check sample
You may add your own experiments under `if __name__ == "__main__":`; the check only calls
the function.
"""

import torch  # noqa: F401 - you will need it


def sample(logits, temperature, top_k, generator):
    """(token, probs): the probabilities of the next token, and one token drawn from them.

    - logits: a torch tensor of shape (vocab,), the model's scores for the next token
    - temperature: a float ≥ 0. Above 0, divide the logits by it BEFORE the softmax (high
      flattens the probabilities, low sharpens them). 0 means greedy: leave the logits as
      they are, and the token is the likeliest one (torch.argmax), not a random draw
    - top_k: None, or an int ≥ 1: keep only the k largest logits (if k ≥ vocab, all of them)
      and give every other token probability 0; the kept probabilities sum to 1
    - generator: a torch.Generator; draw with it, so a seed gives the same token again:
      torch.multinomial(probs, 1, generator=generator)

    Return (token, probs): token an int in 0 .. vocab − 1, and probs a tensor of shape
    (vocab,) summing to 1, the probabilities the token is drawn from (after temperature and
    top-k). Do not change `logits` in place.
    """
    raise NotImplementedError("write this yourself")
