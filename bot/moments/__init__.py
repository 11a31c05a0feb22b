"""Quiet moments: one daily post of encouragement per server, exactly once, on the server's own clock."""
