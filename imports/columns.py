"""A column of an import's file: the desk's field it fills, its template header, the headers read for it."""

import re
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Column:
    field: str
    header: str  # the template's header, and how pages name the column
    aliases: tuple[str, ...]
    widget: Any
    example: str
    required: bool = False
    note: str = ""


def normalized(header: str) -> str:
    """A header as compared with the aliases: case, punctuation and spacing ignored ("E-mail:" is "e mail")."""
    text = header.replace("%", " percent ").replace("#", " number ").casefold()
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text).split())
