"""adapters/music."""
