"""Blob stores: where preview images live (a folder, or S3)."""
