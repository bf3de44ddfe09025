"""WeChat Official Account adapter (and the callback pieces WeCom shares)."""
