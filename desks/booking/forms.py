"""The public booking form: which item, which window, who, and their consent."""

from django import forms
from django.utils.translation import gettext_lazy as _

from desks.models import ServiceItem
from residents.models import resident_phone_validator

NAME_MAX_LENGTH = 50


class BookingForm(forms.Form):
    service_item = forms.ModelChoiceField(
        queryset=ServiceItem.objects.bookable(),
        widget=forms.HiddenInput,
        error_messages={
            "required": _("Choose what you are coming for."),
            "invalid_choice": _("That matter cannot be booked; choose one from the list."),
        },
    )
    window = forms.RegexField(
        regex=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$",
        widget=forms.HiddenInput,
        error_messages={
            "required": _("Choose a day and time."),
            "invalid": _("Choose a day and time from the list."),
        },
    )
    name = forms.CharField(
        max_length=NAME_MAX_LENGTH,
        label=_("Your name"),
        error_messages={"required": _("Please give your name.")},
    )
    phone = forms.CharField(
        max_length=20,
        label=_("Your phone number"),
        validators=[resident_phone_validator],
        error_messages={"required": _("Please give your phone number.")},
    )
    consent = forms.BooleanField(
        label=_(
            "I agree that the centre keeps my name and phone number for this booking and, "
            "when I come, records me as a resident served by the centre."
        ),
        error_messages={
            "required": _("Please agree, so the centre may keep your booking; or call it instead.")
        },
    )

    def clean_name(self):
        return " ".join(self.cleaned_data["name"].split())
