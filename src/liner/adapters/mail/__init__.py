"""adapters/mail."""
