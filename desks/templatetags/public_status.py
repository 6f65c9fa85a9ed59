"""The cards of `/`: fifty a page, each with its status line."""

import html

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

register = template.Library()

# One card of home.html's list. Each value is escaped (html.escape: what the template
# engine's escape does, without its ~1 µs wrapper); the status line comes from
# public/status.html.
CARD = (
    '<li class="card status-{}">\n'
    '        <h2><a href="{}">{}</a></h2>\n'
    "        {}\n"
    '        <p class="address">{}</p>\n'
    '        <p><a href="tel:{}">{}</a></p>\n'
    '        <p class="office"><a href="?office={}{}">{}</a></p>\n'
    "      </li>"
)


@register.simple_tag(takes_context=True)
def community_cards(context, rows) -> list[str]:
    """Each (card, url, status) of `rows` as its `<li>`, for home.html to list.

    In Python rather than in the template: each of a card's ten values cost ~5 µs
    through the template engine, and fifty cards took ~3.8 ms of the page's ~12 ms on
    a cache miss (benchmarks/RESULTS.md). `public/status.html` is rendered once per
    distinct `Status.shape` a page: most cards say the same ("opens at 18:00 today"),
    and the line reads nothing but `status` and `is_today`.
    """
    is_today = context.get("is_today", False)
    # Another day's page keeps its date in the links to an office's centres.
    date_query = "" if is_today else f"&amp;date={context['day'].isoformat()}"
    # What many cards share is escaped once: a status's colour and line, an office's link.
    statuses, offices = {}, {}
    cards = []
    for card, url, status in rows:
        if (shown := statuses.get(shape := status.shape)) is None:
            line = render_to_string("public/status.html", {"status": status, "is_today": is_today})
            shown = statuses[shape] = (html.escape(status.state(is_today)), line)
        if (office := offices.get(card.street_office_id)) is None:
            office = offices[card.street_office_id] = (
                html.escape(card.street_office.slug),
                html.escape(card.street_office.name),
            )
        state, line = shown
        slug, office_name = office
        phone = html.escape(card.phone)
        cards.append(
            SafeString(
                CARD.format(
                    state,
                    html.escape(url),
                    html.escape(card.name),
                    line,
                    html.escape(card.address),
                    phone,
                    phone,
                    slug,
                    date_query,
                    office_name,
                )
            )
        )
    return cards


@register.simple_tag
def status_state(status, is_today: bool) -> str:
    """`Status.state`, for public/status.html: the line's colour and wording follow it."""
    return status.state(is_today)
