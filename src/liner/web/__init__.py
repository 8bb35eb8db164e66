"""The web layer: translates HTTP to service calls and back. No business rules here."""
