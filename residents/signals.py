from django.dispatch import Signal

# Sent by Resident.anonymise, inside its transaction, with `resident` and `now`.
# residents does not import desks: the desk connects a receiver that clears what it
# wrote about the resident (desks/desk/anonymisation.py).
resident_anonymised = Signal()
