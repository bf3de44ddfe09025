"""The quick-lookup page (``/app``) and the JSON API behind it (``/api/v1``), served by
``crmbot serve`` beside the webhooks. Composition layer: it reads and writes through the
same store rules and feature code as the chat, and knows no platform SDK."""
