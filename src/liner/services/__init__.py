"""Use cases. They speak in domain objects, ports and ``liner.errors``; never adapters or HTTP."""
