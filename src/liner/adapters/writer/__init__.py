"""adapters/writer."""
