"""Render the PNG copy of the icon from the SVG (for desktops whose menus prefer bitmaps).

Run after editing aesthetic-curator.svg:  QT_QPA_PLATFORM=offscreen python resources/render_icons.py
"""

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

HERE = Path(__file__).resolve().parent

if __name__ == "__main__":
    app = QGuiApplication([])
    renderer = QSvgRenderer(str(HERE / "aesthetic-curator.svg"))
    image = QImage(256, 256, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    image.save(str(HERE / "aesthetic-curator-256.png"))
