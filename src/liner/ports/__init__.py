"""Interfaces (typing.Protocol) between the services and the outside world."""
