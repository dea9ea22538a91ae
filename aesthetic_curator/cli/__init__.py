"""The ``aesthetic-curator`` command. Sub-commands work headless; the GUI calls the same core.

One module per family of sub-commands (``score``, ``personal``: rate/suggest/train, ``explain``:
saliency/enhance, ``evaluate``: eval, ``cull``: groups/xmp/export, ``app``: the desktop app and
its menu entry), each adding its parsers with ``add_parsers(sub)``; what they share is public in
``common`` and ``args``. ``__main__`` assembles the parser and dispatches.
"""

from .__main__ import build_parser, main

__all__ = ["build_parser", "main"]
