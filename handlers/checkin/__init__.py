"""Checking in at a customer by sharing a location."""
