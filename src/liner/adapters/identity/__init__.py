"""adapters/identity."""
