"""Forms of the rota pages; the rules themselves live in desks.rota and desks.rota.comp_time."""

import datetime as dt
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from desks.models import Assignment, DutySlot, SwapRequest, User
from residents.free_text import MaskedCharField


class SlotChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, slot):
        start = timezone.localtime(slot.starts_at)
        end = timezone.localtime(slot.ends_at)
        return f"{date_format(start, 'm-d D H:i')}–{end:%H:%M}"


class SwapForm(forms.Form):
    """A worker asks a colleague to take one of their published, future slots."""

    slot = SlotChoiceField(label=_("My slot"), queryset=DutySlot.objects.none())
    colleague = forms.ModelChoiceField(label=_("Colleague"), queryset=User.objects.none())
    other_slot = SlotChoiceField(
        label=_("Their slot I take in exchange (optional)"),
        queryset=DutySlot.objects.none(),
        required=False,
    )
    note = MaskedCharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, user: User, now: dt.datetime, *args, **kwargs):
        super().__init__(*args, **kwargs)
        mine = (
            Assignment.objects.published()
            .live()
            .filter(worker=user, starts_at__gt=now)
            .values("slot")
        )
        self.fields["slot"].queryset = DutySlot.objects.filter(pk__in=mine).order_by("starts_at")
        self.fields["colleague"].queryset = (
            User.objects.planned_workers(user.community_id).exclude(pk=user.pk).order_by("username")
        )
        theirs = (
            Assignment.objects.published()
            .live()
            .filter(slot__community=user.community_id, starts_at__gt=now)
            .exclude(worker=user)
            .values("slot")
        )
        self.fields["other_slot"].queryset = DutySlot.objects.filter(pk__in=theirs).order_by(
            "starts_at"
        )


class CompLeaveForm(forms.Form):
    date = forms.DateField(label=_("Day off"), widget=forms.DateInput(attrs={"type": "date"}))
    hours = forms.DecimalField(
        label=_("Hours of leave"),
        min_value=Decimal("0.5"),
        max_value=24,
        decimal_places=1,
        widget=forms.NumberInput(attrs={"step": "0.5"}),
    )
    reason = MaskedCharField(label=_("Reason"), max_length=200, required=False)


class RefusalForm(forms.Form):
    reason = MaskedCharField(
        label=_("Why"), max_length=SwapRequest._meta.get_field("refusal").max_length, required=False
    )


class OverrideForm(forms.Form):
    """A head approving a swap despite the rules that may be overridden (desks.rota.rules)."""

    override_reason = MaskedCharField(
        label=_("Reason to approve anyway"),
        max_length=Assignment._meta.get_field("override_reason").max_length,
        required=False,
    )
