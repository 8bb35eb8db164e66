"""Test helpers shared by every tier (real local peers, personas)."""
