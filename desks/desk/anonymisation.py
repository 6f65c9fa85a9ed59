"""What the desk forgets when a resident is anonymised (residents.signals.resident_anonymised).

Connected in DesksConfig.ready; runs inside Resident.anonymise's transaction, so the
resident and what the desk wrote about them are cleared together or not at all.
"""

from django.db.models import Q

from desks.models import (
    Booking,
    CallBack,
    FollowUp,
    QueueTicket,
    Rating,
    RequestChange,
    ServiceRequest,
)

# A request's fields that hold free text about the resident; RequestChange keeps copies.
FREE_TEXT_FIELDS = ("notes", "proxy_name")
# What a closed follow-up or call-back says was done once it is forgotten: the database
# holds that a closed one says something (followup_closed_with_resolution).
FORGOTTEN = "—"


def forget_resident(sender, resident, now, phone="", **kwargs):
    """Clear the free text written at the desk about the resident, deleted requests included:
    the notes and proxy names, their old copies in the change history, what was done for
    their follow-ups and call-backs, their ratings' comments, and the name and phone of
    their bookings; their queue numbers no longer name them.

    The requests stay, so the statistics still count them; a history row still says which
    field changed, and when, but no longer what it said.
    """
    QueueTicket.objects.filter(resident=resident).update(resident=None)
    requests = ServiceRequest.objects.filter(resident=resident)
    # Their bookings keep the window and the item (the report counts them), not who booked:
    # those linked to them at 到了, and those their phone made at their community.
    theirs = Q(resident=resident)
    if phone:
        theirs |= Q(community_id=resident.community_id, phone=phone)
    Booking.objects.filter(theirs).update(name="", phone="", anonymised_at=now)
    requests.update(notes="", proxy_name="")
    FollowUp.objects.filter(request__in=requests).exclude(resolution="").update(
        resolution=FORGOTTEN
    )
    CallBack.objects.filter(rating__request__in=requests).exclude(resolution="").update(
        resolution=FORGOTTEN
    )
    Rating.objects.filter(request__in=requests).exclude(comment="").update(comment="")
    changes = RequestChange.objects.filter(request__in=requests).only("changes")
    for change in changes:
        cleared = {
            name: ["", ""] if name in FREE_TEXT_FIELDS else values
            for name, values in change.changes.items()
        }
        if cleared != change.changes:
            change.changes = cleared
            change.save(update_fields=["changes"])
