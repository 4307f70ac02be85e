"""Board cards as HTML, written here rather than in a template.

A board holds thousands of open deals. In Jinja every ``{{ }}`` costs an escape and a new
Markup object: 2,400 cards took three times as long as this loop, and most of the page's
time. Every value below goes through ``escape`` exactly as autoescaping
would do it; the markup is what a template would produce.
"""

from dataclasses import dataclass

from markupsafe import Markup
from markupsafe import escape


@dataclass(frozen=True)
class CardUrls:
    """%-templates of a card's URLs (building thousands with url_for costs more still)."""

    move: str
    show: str | None


def render_cards(cards, urls: CardUrls, currency: str, can_move: bool, back: str) -> Markup:
    """The cards' <li>s. "Move…" opens the stage menu (a dialog through board.js, a page
    without JavaScript); dragging posts to the same URL."""
    currency = escape(currency)
    # Plain strings of escaped text, so that "% card.id" (an int) stays a cheap str operation.
    show = str(escape(urls.show)) if urls.show else None
    move = str(escape(urls.move)) + "?" + str(escape(back)).replace("%", "%%")
    names: dict = {}  # owners and companies repeat: escape each once

    def once(text: str) -> Markup:
        found = names.get(text)
        if found is None:
            found = names[text] = escape(text)
        return found

    days: dict = {}  # and so do close dates: format each once

    def day(value) -> str:
        found = days.get(value)
        if found is None:
            found = days[value] = f" <span>Close {value.strftime('%-d %b %Y')}</span>"
        return found

    parts = []
    for card in cards:
        name = escape(card.name)
        title = f'<a href="{show % card.id}">{name}</a>' if show else name
        close = day(card.expected_close_on) if card.expected_close_on else ""
        menu = (f'<a href="{move % card.id}" class="board-move">Move<span class="visually-hidden"> {name} '
                "to another stage</span>…</a>") if can_move else ""
        parts.append(
            f'<li class="board-card" id="opportunity-card-{card.id:d}"><h3>{title}</h3>'
            f'<p>{once(card.company_name or "No company")}</p>'
            f'<p class="board-card-meta"><span>{currency} {card.value:,.2f}</span> '
            f"<span>{once(card.owner_name or 'Unassigned')}</span>{close}</p>{menu}</li>\n")
    return Markup("".join(parts))
