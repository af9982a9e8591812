"""Options shared by the command-line modules (``cli``, ``cli_hub``, ``cli_capacity``)."""

from __future__ import annotations

import click

from .book.editions import LANGUAGES, SOURCE


def language_option(help_text: str):
    """``--language en|es``: the editions the course is built in, English by default."""
    return click.option(
        "--language",
        type=click.Choice(list(LANGUAGES)),
        default=SOURCE,
        show_default=True,
        help=help_text,
    )
