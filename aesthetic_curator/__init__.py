"""Aesthetic Curator: score, personalise, cull and export a photo album."""

__version__ = "0.1.0"
