"""The Build pane: the GPT of "Let's build GPT", rung by rung."""
