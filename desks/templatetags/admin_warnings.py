"""Warnings the admin's own pages (the home page) show, from the homes that decide them."""

from django import template
from django.utils import timezone

from desks.admin.hours import missing_arrangement_warning

register = template.Library()


@register.simple_tag(takes_context=True)
def holiday_arrangement_warning(context):
    """The missing-holiday-arrangement warning for the user looking, or None."""
    return missing_arrangement_warning(context["request"].user, timezone.localdate())
