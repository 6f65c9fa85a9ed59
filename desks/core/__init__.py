"""What every part of the desk shares: dates in local time, roles and who may see what."""
