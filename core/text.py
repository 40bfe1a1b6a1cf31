"""Sentences built from names and reasons people typed: one full stop at the end, never two."""


def sentence(text: str) -> str:
    """`text` ending in exactly one full stop, unless it already ends a sentence ("Acme Inc." stays as it is)."""
    text = text.rstrip()
    return text if text.endswith((".", "!", "?", "…")) else f"{text}."
