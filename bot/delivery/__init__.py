"""Delivery: the outbox sender and the platforms' rate limits, apart from scheduling."""
