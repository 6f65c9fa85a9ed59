"""The public pages' status lines, each rendered once per page whatever the number of cards."""

from django import template
from django.template.loader import render_to_string

register = template.Library()


@register.simple_tag(takes_context=True)
def status_line(context, status):
    """`public/status.html` for `status`, rendered once per distinct `Status.shape` a page.

    `/` shows fifty cards and most say the same ("opens at 18:00 today"): rendering the
    line once and reusing it halved the page's rendering time (benchmarks/RESULTS.md).
    The line reads nothing but `status` and `is_today`.
    """
    is_today = context.get("is_today", False)
    lines = context.render_context.setdefault("public_status_lines", {})
    key = (is_today, status.shape)
    if key not in lines:
        lines[key] = render_to_string(
            "public/status.html", {"status": status, "is_today": is_today}
        )
    return lines[key]
