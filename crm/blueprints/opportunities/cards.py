"""Board cards as HTML, written here rather than in a template.

A board holds thousands of open deals. In Jinja every ``{{ }}`` costs an escape and a new
Markup object, and the cards took three times as long as this loop (docs/performance.md):
most of the page's time. Every value below goes through ``escape`` exactly as autoescaping
would do it; the markup is what a template would produce.
"""

from dataclasses import dataclass

from markupsafe import Markup
from markupsafe import escape

_CARD = (
    '<li class="board-card" id="opportunity-card-{id}">'
    '<h3>{title}</h3>'
    '<p>{company}</p>'
    '<p class="board-card-meta"><span>{currency} {value}</span> <span>{owner}</span>{close}</p>'
    '{move}'
    '</li>\n'
)
_TITLE_LINK = '<a href="{url}">{name}</a>'
_CLOSE = ' <span>Close {date}</span>'
# "Move…" opens the stage menu (a dialog through board.js, a page without JavaScript);
# dragging posts to the same URL.
_MOVE = ('<a href="{url}?{back}" class="board-move">Move'
         '<span class="visually-hidden"> {name} to another stage</span>…</a>')


@dataclass(frozen=True)
class CardUrls:
    """%-templates of a card's URLs (building thousands with url_for costs more still)."""

    move: str
    show: str | None


def render_cards(cards, urls: CardUrls, currency: str, can_move: bool, back: str) -> Markup:
    currency = escape(currency)
    back = escape(back)
    parts = []
    for card in cards:
        name = escape(card.name)
        parts.append(_CARD.format(
            id=int(card.id),
            title=_TITLE_LINK.format(url=escape(urls.show % card.id), name=name) if urls.show else name,
            company=escape(card.company_name or "No company"),
            currency=currency,
            value=f"{card.value:,.2f}",
            owner=escape(card.owner_name or "Unassigned"),
            close=_CLOSE.format(date=card.expected_close_on.strftime("%-d %b %Y")) if card.expected_close_on else "",
            move=_MOVE.format(url=escape(urls.move % card.id), back=back, name=name) if can_move else "",
        ))
    return Markup("".join(parts))
