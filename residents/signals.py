from django.dispatch import Signal

# Sent by Resident.anonymise, inside its transaction, with `resident`, `now` and `phone`
# (the phone the resident had: rows of other apps may hold it).
# residents does not import desks: the desk connects a receiver that clears what it
# wrote about the resident (desks/desk/anonymisation.py).
resident_anonymised = Signal()
