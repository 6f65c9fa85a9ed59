"""Bookings (预约) and the walk-in queue (叫号): one trip for the resident.

`bookings`: what may be booked (items, days, windows, capacity), booking, cancelling,
arrival and no-shows, bookings a closure or a changed window affects. `queue`: taking
a number, calling the next, the wait. Both sit above the request log (`desks.desk`),
which logs the walk-in a booking or a ticket ends in, and below the reports.
"""
