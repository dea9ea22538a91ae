"""The PySide6 desktop app. The only package that imports Qt; it calls the same core as the CLI."""
