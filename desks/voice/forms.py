"""Forms of the residents' voice: a vote, a rating, closing a call-back."""

from django import forms
from django.utils.translation import gettext_lazy as _

from desks.models import Level, ServiceItem
from desks.models.requests import NOTE_MAX_LENGTH
from desks.models.voice import COMMENT_MAX_LENGTH, WISH_MAX_LENGTH
from residents.free_text import MaskedCharField


class VoteForm(forms.Form):
    service_item = forms.ModelChoiceField(
        queryset=ServiceItem.objects.active(),
        required=False,
        widget=forms.RadioSelect,
        label=_("A service from the list"),
        error_messages={
            "invalid_choice": _("That service is not on the list; choose one from the list.")
        },
    )
    wish = MaskedCharField(
        required=False,
        max_length=WISH_MAX_LENGTH,
        label=_("Or write what you would like, in a few words"),
        error_messages={
            "max_length": _("Please keep your wish to %(limit_value)d characters or fewer.")
        },
    )

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        item, wish = data.get("service_item"), data.get("wish", "").strip()
        if not item and not wish:
            raise forms.ValidationError(_("Choose a service, or write what you would like."))
        if item and wish:
            raise forms.ValidationError(
                _("Choose a service or write a wish, not both: one vote each.")
            )
        data["wish"] = wish
        return data


class RatingForm(forms.Form):
    level = forms.TypedChoiceField(
        choices=Level.choices,
        coerce=int,
        widget=forms.RadioSelect,
        label=_("How satisfied are you with the service?"),
        error_messages={
            "required": _("Choose one of the five answers."),
            "invalid_choice": _("Choose one of the five answers."),
        },
    )
    comment = MaskedCharField(
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        label=_("Anything to add? (optional)"),
        error_messages={
            "max_length": _("Please keep your comment to %(limit_value)d characters or fewer.")
        },
    )

    def clean_comment(self):
        return self.cleaned_data["comment"].strip()


class CloseCallBackForm(forms.Form):
    resolution = MaskedCharField(
        max_length=NOTE_MAX_LENGTH,
        label=_("What was done"),
        error_messages={"required": _("Write what was done before closing the call-back.")},
    )
