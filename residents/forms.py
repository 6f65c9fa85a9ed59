from django import forms
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from desks.models.organisation import Community
from residents import directory, id_numbers, id_search
from residents.models import (
    PHONE_SEARCH_MIN_DIGITS,
    AccessLog,
    Resident,
    Tag,
    sees_id_number_last4,
)


class NeverEchoedInput(forms.TextInput):
    """A text box that never sends its value back: an ID number must not appear in a page."""

    def format_value(self, value):
        return None


class ResidentForm(forms.ModelForm):
    """Add or change a resident, as `user` may: their communities, the tags they may see."""

    id_number = forms.CharField(
        label=_("ID number"),
        required=False,
        max_length=30,
        widget=NeverEchoedInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=_("Optional. Only a keyed hash and the last 4 characters are kept."),
    )

    field_order = [
        "community",
        "name",
        "phone",
        "id_number",
        "birth_year",
        "estate",
        "building",
        "unit",
        "room",
        "tags",
        "notes",
    ]

    class Meta:
        model = Resident
        fields = [
            "community",
            "name",
            "phone",
            "estate",
            "building",
            "unit",
            "room",
            "birth_year",
            "tags",
            "notes",
        ]
        widgets = {
            "tags": forms.CheckboxSelectMultiple,
            "notes": forms.Textarea(attrs={"rows": 3}),
            "phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
        }

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        communities = Community.objects.visible_to(user)
        if self.instance.pk or user.community_id:
            # A resident stays in their community; community staff add to their own.
            del self.fields["community"]
            if not self.instance.pk:
                self.instance.community_id = user.community_id
        else:
            self.fields["community"].queryset = communities
        self.visible_tags = Tag.objects.visible_to(user)
        self.fields["tags"].queryset = self.visible_tags
        self.fields["name"].required = True
        if self.instance.pk and not sees_id_number_last4(user):
            self.fields["id_number"].help_text = _(
                "Leave empty to keep the one on record; type a new one to replace it."
            )
        elif self.instance.pk:
            self.fields["id_number"].help_text = _(
                "Leave empty to keep the one on record (%(masked)s); type a new one to replace it."
            ) % {"masked": self.instance.masked_id_number or _("none")}
        else:
            self.fields["consent"] = forms.BooleanField(
                label=_("The resident agrees that the centre keeps these details"),
                error_messages={"required": directory.CONSENT_REQUIRED_MESSAGE},
            )

    def clean_id_number(self):
        number = id_numbers.normalise(self.cleaned_data["id_number"])
        if number:
            id_numbers.validate_id_number(number)
        return number

    def clean_birth_year(self):
        year = self.cleaned_data["birth_year"]
        if year is not None and year > timezone.localdate().year:
            raise forms.ValidationError(_("A birth year cannot be in the future."))
        return year

    def clean(self):
        cleaned = super().clean()
        # The duplicate check runs before ModelForm copies the data onto the instance.
        if "phone" in cleaned:
            self.instance.phone = cleaned["phone"]
        if cleaned.get("id_number"):
            self.instance.set_id_number(cleaned["id_number"])
        if "community" in cleaned:
            self.instance.community = cleaned["community"]
        try:
            self.instance.validate_not_registered()
        except forms.ValidationError as error:
            self.add_error(None, error)
        return cleaned

    def validate_unique(self):
        # clean() already looked for duplicates (both constraints), with a message on
        # the field at fault; the model's own check would only repeat it.
        pass

    def register(self, *, now, ip_address):
        """Add the new resident, with their consent and the audit record (directory.register)."""
        return directory.register(
            self.instance,
            registered_by=self.user,
            consent=self.cleaned_data["consent"],
            now=now,
            ip_address=ip_address,
            tags=self.cleaned_data["tags"],
        )

    def save(self, *, now):
        """Save changes to a known resident; a new one is added with `register`.

        Raises a ValidationError if another resident took the phone or ID number meanwhile."""
        if self.instance._state.adding:
            raise ValueError("A new resident is added with register(), which records consent.")
        hidden_tags = list(self.instance.tags.exclude(pk__in=self.visible_tags))
        resident = super().save(commit=False)
        resident.last_active_at = now
        # Another desk may have given another resident this phone since clean().
        resident.save_unless_registered()
        self.save_m2m()
        # Keep the tags this user may not see: a duty worker must not clear them by saving.
        resident.tags.add(*hidden_tags)
        return resident

    def changed_field_names(self):
        """Fields changed by this form, for the audit record (names only, never values)."""
        return [name for name in self.changed_data if name != "consent"]


class SearchForm(forms.Form):
    """A search for residents (directory.search); empty is allowed and finds nobody."""

    q = forms.CharField(
        label=format_lazy(
            _("Name, or last {digits}+ digits of the phone"),
            digits=PHONE_SEARCH_MIN_DIGITS,
        ),
        required=False,
        max_length=directory.SEARCH_MAX_LENGTH,
        widget=NeverEchoedInput(
            attrs={"type": "search", "autocomplete": "off", "spellcheck": "false"}
        ),
    )


class IdNumberSearchForm(forms.Form):
    """A search by full ID number (residents.id_search): the number and why it is searched."""

    max_misses = id_search.ID_SEARCH_MAX_MISSES

    id_number = forms.CharField(
        label=_("ID number"),
        max_length=30,
        widget=NeverEchoedInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"required": _("Type the ID number to search for.")},
    )
    reason = forms.ChoiceField(
        label=_("Why are you searching by ID number?"),
        choices=[("", "—"), *AccessLog.Reason.choices],
        error_messages={"required": _("Choose why you are searching by ID number.")},
    )

    def clean_id_number(self):
        number = id_numbers.normalise(self.cleaned_data["id_number"])
        id_numbers.validate_id_number(number)
        return number
