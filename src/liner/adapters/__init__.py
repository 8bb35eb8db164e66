"""Adapters: thin translations between the ports and real systems."""
