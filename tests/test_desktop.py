"""The app's icon and menu entry: valid for the desktops, installed for the user, and shown."""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys

import pytest

from aesthetic_curator import desktop
from aesthetic_curator.cli import main

needs_validator = pytest.mark.skipif(shutil.which("desktop-file-validate") is None,
                                     reason="desktop-file-validate (desktop-file-utils) not installed")


def read_entry(path) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keys are case-sensitive
    parser.read(path, encoding="utf-8")
    return parser["Desktop Entry"]


def test_the_shipped_entry_and_icons_are_there():
    entry = read_entry(desktop.resource(desktop.DESKTOP_FILE))
    assert entry["Type"] == "Application" and entry["Name"] == "Aesthetic Curator"
    assert "Photography" in entry["Categories"].split(";")
    assert desktop.resource(desktop.ICON_SVG).read_text().lstrip().startswith("<?xml")
    assert desktop.resource(desktop.ICON_PNG).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@needs_validator
def test_the_shipped_entry_passes_desktop_file_validate():
    assert desktop.validate(desktop.resource(desktop.DESKTOP_FILE)) is None


def test_install_puts_a_working_entry_in_the_users_menu_and_remove_takes_it_away(tmp_path, monkeypatch, capsys):
    home = tmp_path / "share"
    monkeypatch.setenv("XDG_DATA_HOME", str(home))
    assert main(["desktop", "install"]) == 0
    paths = desktop.installed_paths(home)
    assert all(p.is_file() for p in paths.values())
    entry = read_entry(paths["entry"])
    assert entry["Icon"] == str(paths["svg"])
    command = entry["Exec"].removesuffix(" %f")
    program = command.split(" ")[0]
    assert os.path.isabs(program) and os.access(program, os.X_OK)  # the menu has no virtualenv on its PATH
    if shutil.which("desktop-file-validate"):
        assert desktop.validate(paths["entry"]) is None
    # The command the menu runs is this installation's: it answers --version.
    words = command.split(" ")
    done = subprocess.run([*words, "--version"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "aesthetic-curator" in done.stdout
    assert "desktop remove" in capsys.readouterr().err

    assert main(["desktop", "install"]) == 0  # again (after moving the venv): replaced, not doubled
    assert sorted(p.name for p in (home / "applications").glob("*.desktop")) == ["aesthetic-curator.desktop"]
    assert main(["desktop", "remove"]) == 0
    assert not any(p.exists() for p in paths.values())


def test_exec_words_with_spaces_are_quoted_as_the_specification_asks():
    text = desktop.entry_text(["/home/ana/my photos/venv/bin/aesthetic-curator"])
    assert 'Exec="/home/ana/my photos/venv/bin/aesthetic-curator" %f' in text
    assert desktop.entry_text([sys.executable, "-m", "aesthetic_curator"]).count(" -m aesthetic_curator %f") == 1


def test_the_window_and_about_show_the_icon(qtbot, make_window):
    from PySide6.QtWidgets import QApplication, QMessageBox

    window = make_window()
    icon = window.windowIcon()
    assert not icon.isNull() and not icon.pixmap(64, 64).isNull()
    # About shows the window's icon (QMessageBox.about takes the parent's), not the generic "i".
    from PySide6.QtCore import QTimer

    seen = {}

    def look() -> None:
        box = next(w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible())
        seen["pixmap"] = box.iconPixmap()
        box.accept()

    QTimer.singleShot(0, look)
    window.about()
    assert not seen["pixmap"].isNull()
    expected = icon.pixmap(seen["pixmap"].size()).toImage()
    assert seen["pixmap"].toImage().convertToFormat(expected.format()) == expected


def test_the_empty_window_shows_the_icon_and_what_to_do(qtbot, make_window):
    import numpy as np

    window = make_window()
    window.resize(1100, 700)
    view = window.view
    assert "Open a folder of photos (Ctrl+O)" in view.label.text()
    from PySide6.QtGui import QImage

    image = view.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    pixels = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    rgb = pixels[:, : image.width() * 3].reshape(image.height(), image.width(), 3).astype(int)
    gold = (rgb[..., 0] > 220) & (rgb[..., 1] > 140) & (rgb[..., 2] < 110)  # the icon's star
    navy = (abs(rgb[..., 0] - 0x2f) < 25) & (abs(rgb[..., 1] - 0x4b) < 30) & (rgb[..., 2] > 0x60)  # its ground
    assert gold.sum() > 500 and navy.sum() > 2000
