"""The app's icon as Qt wants it."""

from __future__ import annotations

from PySide6.QtGui import QIcon

from ..desktop import ICON_SVG, resource
from ..errors import MissingDataError


def app_icon() -> QIcon:
    """The window's, the taskbar's and About's icon: the SVG, so it is sharp at every size."""
    try:
        return QIcon(str(resource(ICON_SVG)))
    except MissingDataError:  # a broken install: the app still works, with the platform's default icon
        return QIcon()
