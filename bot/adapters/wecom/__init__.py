"""WeCom (企业微信) self-built app adapter."""
