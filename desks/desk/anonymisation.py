"""What the desk forgets when a resident is anonymised (residents.signals.resident_anonymised).

Connected in DesksConfig.ready; runs inside Resident.anonymise's transaction, so the
resident and what the desk wrote about them are cleared together or not at all.
"""

from desks.models import ServiceRequest


def forget_resident(sender, resident, now, **kwargs):
    """Clear the free text written at the desk about the resident, deleted requests included.

    The requests stay, so the statistics still count them.
    """
    ServiceRequest.objects.filter(resident=resident).update(notes="", proxy_name="")
