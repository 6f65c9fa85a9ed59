import datetime as dt
import functools
import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from desks.core.compiled import CompiledQuery
from desks.desk import request_log
from desks.models import Channel, Outcome, ServiceItem, ServiceRequest, User
from desks.models.requests import DEFAULT_OUTCOME, NOTE_MAX_LENGTH, PEOPLE_MAX
from residents.free_text import MaskedCharField
from residents.models import Resident, resident_phone_validator

# The duplicate rule is Resident.validate_not_registered; at the counter the worker is
# also told where to find the person instead.
ALREADY_REGISTERED_AT_THE_DESK = _(
    "Someone with this phone is already registered: find them by phone above."
)

# The new resident's fields as directory.register names them, and as this form does.
NEW_RESIDENT_FIELDS = {
    "name": "new_resident_name",
    "phone": "new_resident_phone",
    "consent": "new_resident_consent",
}


class CommunityChoiceField(forms.ModelChoiceField):
    """A choice among one community's rows: `choices_of(community_id)`, built when first
    used (to check a posted value, or to list the choices). Most saves post the resident
    and the follow-up owner empty: building their querysets on every save was a tenth of
    its work. The form sets `community_id`."""

    def __init__(self, choices_of, **kwargs):
        self.choices_of = choices_of
        self.community_id = None
        super().__init__(queryset=None, **kwargs)

    class iterator(forms.models.ModelChoiceIterator):
        """Reads the field's queryset when the choices are listed, not when made."""

        def __init__(self, field):
            self.field = field

        @property
        def queryset(self):
            return self.field.queryset

    def _get_queryset(self):
        if self._queryset is None and self.community_id is not None:
            self._queryset = self.choices_of(self.community_id)
        return self._queryset

    queryset = property(_get_queryset, forms.ModelChoiceField._set_queryset)

    def __deepcopy__(self, memo):
        field = super().__deepcopy__(memo)
        field.widget.choices = field.choices  # the copy's own, not the original's
        return field


class ServiceItemField(forms.ModelChoiceField):
    """An active service item (`ServiceItemQuerySet.active`), by its id. Every save checks
    one: its SQL is built once (desks.core.compiled), not again for each save. The field's
    queryset only lists the choices: narrowing it would not narrow what is accepted."""

    _active = CompiledQuery(lambda pk: ServiceItem.objects.active().filter(pk=pk), pk=int)

    def __init__(self, **kwargs):
        super().__init__(queryset=ServiceItem.objects.active(), **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, ServiceItem):
            value = value.pk
        text = str(value)
        # An id is a few digits: anything else is no item, not a query.
        item = None
        if text.isascii() and text.isdigit() and len(text) <= 18:
            item = next(iter(self._active.all(pk=int(text))), None)
        if item is None:
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return item


class RequestForm(forms.ModelForm):
    """The desk's log form. Field names are relied on by other code: keep them."""

    service_item = ServiceItemField(
        label=_("Service item"),
        error_messages={
            "required": _("Choose what the resident came for."),
            "invalid_choice": _("That service item does not exist; choose one from the list."),
        },
    )
    resident = CommunityChoiceField(
        Resident.objects.choosable_at,
        required=False,
        label=_("Resident"),
        empty_label=_("Anonymous"),
        error_messages={"invalid_choice": _("That resident is not one of this community's.")},
    )
    channel = forms.ChoiceField(
        choices=Channel.choices,
        initial=Channel.WALK_IN,
        widget=forms.RadioSelect,
        label=_("Channel"),
        error_messages={"invalid_choice": _("Choose walk-in, phone or home visit.")},
    )
    outcome = forms.ChoiceField(
        choices=Outcome.choices,
        initial=DEFAULT_OUTCOME,
        widget=forms.RadioSelect,
        label=_("Outcome"),
        error_messages={
            "required": _("Choose the outcome."),
            "invalid_choice": _("That is not an outcome; choose one of the four."),
        },
    )
    count = forms.IntegerField(
        min_value=1,
        max_value=PEOPLE_MAX,
        initial=1,
        label=_("People"),
        error_messages={
            "min_value": _("At least 1."),
            "max_value": _("At most %(limit_value)s at once."),
        },
    )
    missing_materials = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label=_("Missing materials")
    )

    class Meta:
        model = ServiceRequest
        fields = [
            "service_item",
            "resident",
            "channel",
            "outcome",
            "count",
            "notes",
            "proxy_name",
            "missing_materials",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, community_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.community_id = community_id
        self.fields["resident"].community_id = community_id
        # Called when first needed: by then a bound form has cleaned its service item.
        self.fields["missing_materials"].choices = self._material_choices

    def _material_choices(self):
        item = self.chosen_item
        return [(material, material) for material in (item.material_list if item else [])]

    @functools.cached_property
    def chosen_item(self) -> ServiceItem | None:
        if "service_item" in getattr(self, "cleaned_data", {}):
            return self.cleaned_data["service_item"]  # fetched once, by the field
        key = self.add_prefix("service_item")
        pk = self.data.get(key) if self.is_bound else self.initial.get("service_item")
        if isinstance(pk, ServiceItem):
            return pk
        if pk and str(pk).isascii() and str(pk).isdigit():
            return ServiceItem.objects.active().filter(pk=pk).first()
        return None

    @functools.cached_property
    def chosen_resident(self) -> Resident | None:
        """The resident the form holds (as posted, or the request's own), if one of this
        community's: the edit page shows only this one, never a list of everyone."""
        key = self.add_prefix("resident")
        pk = self.data.get(key) if self.is_bound else self.initial.get("resident")
        if pk and str(pk).isascii() and str(pk).isdigit():
            return self.fields["resident"].queryset.filter(pk=pk).first()
        return None

    def _get_validation_exclusions(self):
        """The item and resident fields fetched their rows from narrower querysets (active
        items, this community's residents): the model asking the database again whether
        each row exists was one more query per save."""
        return super()._get_validation_exclusions() | {"service_item", "resident"}

    def validate_constraints(self):
        """The fields above already hold every check constraint of ServiceRequest (count
        1–200, the channel and outcome choices), and the database enforces them: Django
        asking PostgreSQL about each one again cost a sixth of a save's time."""


class LogRequestForm(RequestForm):
    """Logging a new request: the request, plus quick-add resident, follow-up and form key."""

    new_resident_name = forms.CharField(
        required=False, max_length=50, label=_("New resident: name")
    )
    new_resident_phone = forms.CharField(
        required=False,
        max_length=20,
        label=_("phone"),
        validators=[resident_phone_validator],
    )
    new_resident_consent = forms.BooleanField(
        required=False, label=_("The resident agrees to be registered")
    )
    needs_follow_up = forms.BooleanField(required=False, label=_("Needs follow-up"))
    follow_up_owner = CommunityChoiceField(
        lambda community_id: User.objects.duty_workers(community_id).order_by(
            "last_name", "first_name"
        ),
        required=False,
        label=_("Owner"),
        empty_label=_("Someone trained in this (automatic)"),
        error_messages={
            "invalid_choice": _(
                "That worker is not on duty at this community: choose the owner from the list."
            )
        },
    )
    follow_up_due = forms.DateField(
        required=False, label=_("Due"), widget=forms.DateInput(attrs={"type": "date"})
    )
    idempotency_key = forms.UUIDField(
        widget=forms.HiddenInput,
        error_messages={
            "required": _("This form has no key: reload the page and log it again."),
            "invalid": _("This form's key is damaged: reload the page and log it again."),
        },
    )
    # Set by the desk's script when the worker presses save (static/js/outbox.js): an entry
    # kept while offline is sent later with it. Without it, the walk-in is served now.
    served_at = forms.DateTimeField(
        required=False,
        widget=forms.HiddenInput,
        error_messages={
            "invalid": _("The time this walk-in was served is not a date and time."),
        },
    )

    def __init__(self, *args, community_id, now: dt.datetime | None = None, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("idempotency_key", uuid.uuid4())
        super().__init__(*args, community_id=community_id, **kwargs)
        self.now = now or timezone.now()
        self.fields["follow_up_owner"].community_id = community_id

    def clean(self):
        data = super().clean()
        name, phone = data.get("new_resident_name"), data.get("new_resident_phone")
        if (name or phone) and data.get("resident"):
            raise forms.ValidationError(
                _("Either choose a known resident or add a new one, not both.")
            )
        if bool(name) != bool(phone):
            raise forms.ValidationError(_("A new resident needs both a name and a phone."))
        if name and not data.get("new_resident_consent"):
            self.add_error(
                "new_resident_consent",
                _("Ask the resident for consent before registering them, or log anonymously."),
            )
        if phone:
            try:
                Resident(community_id=self.community_id, phone=phone).validate_not_registered()
            except ValidationError:
                self.add_error("new_resident_phone", ALREADY_REGISTERED_AT_THE_DESK)
        return data

    def clean_served_at(self):
        served_at = self.cleaned_data.get("served_at")
        return served_at and request_log.served_time(served_at, self.now)

    def clean_follow_up_due(self):
        due = self.cleaned_data.get("follow_up_due")
        if due and due < timezone.localdate():
            raise forms.ValidationError(_("A follow-up cannot be due in the past."))
        return due

    def new_resident(self):
        if self.cleaned_data.get("new_resident_name"):
            return {
                "name": self.cleaned_data["new_resident_name"],
                "phone": self.cleaned_data["new_resident_phone"],
                "consent": self.cleaned_data["new_resident_consent"],
            }
        return None

    def add_registration_error(self, error: ValidationError):
        """Show a refusal of directory.register (a phone registered meanwhile) on our fields."""
        for field, messages in error.message_dict.items():
            if field == "phone" and any(e.code == "duplicate" for e in error.error_dict[field]):
                messages = [ALREADY_REGISTERED_AT_THE_DESK]
            self.add_error(NEW_RESIDENT_FIELDS.get(field), messages)

    def follow_up(self):
        if not self.cleaned_data.get("needs_follow_up"):
            return None
        return {
            "owner": self.cleaned_data.get("follow_up_owner"),
            "due_on": self.cleaned_data.get("follow_up_due"),
        }

    def request_fields(self):
        return {name: self.cleaned_data[name] for name in RequestForm.Meta.fields}


class CloseFollowUpForm(forms.Form):
    resolution = MaskedCharField(
        max_length=NOTE_MAX_LENGTH,
        label=_("What was done"),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say what was done before closing.")},
    )


class ChangeFollowUpForm(forms.Form):
    """A head gives a follow-up to another duty worker of the community, or moves its due date."""

    owner = forms.ModelChoiceField(
        queryset=User.objects.none(),
        label=_("Owner"),
        error_messages={
            "required": _("Choose who owns this follow-up."),
            "invalid_choice": _("Choose a duty worker of this community."),
        },
    )
    due_on = forms.DateField(
        label=_("Due"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": _("Choose the day it is due."),
            "invalid": _("Enter a date such as 2026-11-30."),
        },
    )

    def __init__(self, *args, community_id: int, today: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.latest = today + dt.timedelta(days=request_log.FOLLOW_UP_MAX_DAYS)
        self.fields["owner"].queryset = User.objects.duty_workers(community_id)

    def clean_due_on(self):
        due = self.cleaned_data["due_on"]
        if due < self.today:
            raise forms.ValidationError(_("A follow-up cannot be due in the past."))
        if due > self.latest:
            raise forms.ValidationError(
                _("A follow-up is due within %(days)d days, by %(date)s.")
                % {"days": request_log.FOLLOW_UP_MAX_DAYS, "date": self.latest.isoformat()}
            )
        return due


class HandoverForm(forms.Form):
    handover_note = MaskedCharField(
        max_length=NOTE_MAX_LENGTH,
        required=False,
        label=_("Handover note"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AddPersonForm(forms.Form):
    """+1 on a logged request: the people count the worker saw, so a repeated tap adds nobody."""

    count_was = forms.IntegerField(
        min_value=1,
        max_value=PEOPLE_MAX,
        error_messages={
            "required": _("Say which count you saw: reload the desk and try again."),
            "invalid": _("Say which count you saw: reload the desk and try again."),
            "min_value": _("Say which count you saw: reload the desk and try again."),
            "max_value": _("At most %(limit_value)s at once."),
        },
    )
