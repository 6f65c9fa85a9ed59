"""The duty rota: slots from the opening hours, who is on them, swaps, comp time, planning."""
