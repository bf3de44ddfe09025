"""``/app``: the link that opens the quick-lookup page signed in (bot/adapters/webapp serves it)."""
