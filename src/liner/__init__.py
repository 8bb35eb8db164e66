"""Liner: a calm, album-first music-taste page."""

__version__ = "0.1.0"
