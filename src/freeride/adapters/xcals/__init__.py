"""Exchange calendars from the ``exchange_calendars`` library (holidays, half days, breaks)."""
