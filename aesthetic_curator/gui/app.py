"""Starting the desktop app: ``aesthetic-curator`` or ``aesthetic-curator PATH``."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtWidgets import QApplication

from ..desktop import APP_ID
from .icon import app_icon
from .main_window import APP, ORG, MainWindow


def run(argv: Sequence[str] = ()) -> int:
    """Open the main window (on ``argv[0]`` when it names a folder) and run the event loop."""
    app = QApplication.instance() or QApplication([sys.argv[0], *argv])
    app.setOrganizationName(ORG)
    app.setApplicationName(APP)
    app.setDesktopFileName(APP_ID)  # Wayland compositors match the window to the menu entry by this
    app.setWindowIcon(app_icon())
    app.setStyle("Fusion")
    window = MainWindow()
    window.show()
    if argv:
        window.open_album(Path(argv[0]))
    return app.exec()
