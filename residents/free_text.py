"""Free text people type (notes, handovers, reasons, comments) never keeps an ID number.

One rule, two places it runs: the form field masks what was typed, so the form can say
so (`masked_notice`), and the model field masks again before every save, so no other way
in (the admin, a script) stores one either. The masking itself is
`residents.id_numbers.mask_in_text`.
"""

from django import forms
from django.contrib import messages
from django.db import models
from django.utils.translation import gettext_lazy as _

from residents.id_numbers import mask_in_text

MASKED_NOTICE = _(
    "An ID number in what you wrote was masked: only its last 4 characters are kept. "
    "Find a resident by ID number with the ID search instead."
)


class MaskedCharField(forms.CharField):
    """A form's free-text field: an ID number typed into it is masked when it is cleaned."""

    masked_an_id_number = False

    def clean(self, value):
        cleaned = super().clean(value)
        masked = mask_in_text(cleaned)
        self.masked_an_id_number = masked != cleaned
        return masked


def masked_notice(form):
    """What to tell the user when a cleaned form masked an ID number, else None."""
    fields = form.fields.values()
    if any(getattr(field, "masked_an_id_number", False) for field in fields):
        return MASKED_NOTICE
    return None


def tell_if_masked(request, form):
    """Say so on the next page shown (django.contrib.messages); returns the notice or None."""
    notice = masked_notice(form)
    if notice:
        messages.warning(request, notice)
    return notice


class _MasksIdNumbers:
    def pre_save(self, model_instance, add):
        value = super().pre_save(model_instance, add)
        masked = mask_in_text(value)
        if masked != value:
            setattr(model_instance, self.attname, masked)
        return masked

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": MaskedCharField, **kwargs})


class FreeTextField(_MasksIdNumbers, models.TextField):
    """A TextField that never stores an ID number (masked before saving)."""


class FreeCharField(_MasksIdNumbers, models.CharField):
    """A CharField that never stores an ID number (masked before saving)."""
