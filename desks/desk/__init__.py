"""The desk's request log: walk-ins logged at the counter, their changes and follow-ups."""
