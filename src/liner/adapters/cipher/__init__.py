"""adapters/cipher."""
