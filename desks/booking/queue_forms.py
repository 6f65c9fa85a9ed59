"""Forms of the walk-in queue: taking a number (at the door or at the desk), calling."""

from django import forms
from django.utils.translation import gettext_lazy as _

from desks.models import ServiceItem
from desks.models.queue import COUNTERS
from residents.models import Resident


class TakeNumberForm(forms.Form):
    service_item = forms.ModelChoiceField(
        queryset=ServiceItem.objects.in_extended_hours(),
        widget=forms.RadioSelect,
        label=_("What have you come for?"),
        error_messages={
            "required": _("Choose what you have come for."),
            "invalid_choice": _("That matter is not on the list; choose one from the list."),
        },
    )


class DeskTakeNumberForm(TakeNumberForm):
    """At the desk every active item may be queued for, in or out of extended hours, and
    the number may name a resident of the desk's community (the one chosen in the log
    form)."""

    resident = forms.ModelChoiceField(
        queryset=Resident.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("That resident is not one of this community's.")},
    )

    def __init__(self, *args, community_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service_item"].queryset = ServiceItem.objects.active()
        self.fields["resident"].queryset = Resident.objects.choosable_at(community_id)


class CallForm(forms.Form):
    counter = forms.TypedChoiceField(
        choices=[(n, n) for n in range(1, COUNTERS + 1)],
        coerce=int,
        required=False,
        empty_value=None,
        label=_("Counter"),
        error_messages={"invalid_choice": _("Choose one of the counters.")},
    )
