"""Offline evaluation harness (FLICKR-AES split, per-worker protocol, statistics); not used by the app at runtime."""
