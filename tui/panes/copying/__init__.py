"""The Copying pane: induction heads forming, and the heads of a trained GPT."""
