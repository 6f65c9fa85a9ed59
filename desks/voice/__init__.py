"""Residents' voice: the evening menu vote (点单), ratings (好差评) and call-backs."""
