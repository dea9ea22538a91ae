"""The app names the system libraries Qt lacks, in one line, instead of letting Qt abort."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from aesthetic_curator.gui.system_libs import (
    display_problem,
    install_line,
    missing_from_ldd,
    missing_libraries,
    uses_xcb,
    xcb_plugin,
)

#: ``ldd libqxcb.so`` on a fresh Debian 12 desktop (abridged): the three libraries the issue met.
LDD_ON_A_FRESH_DESKTOP = """\
\tlinux-vdso.so.1 (0x00007ffd5f1e2000)
\tlibQt6XcbQpa.so.6 => /venv/lib/python3.11/site-packages/PySide6/Qt/lib/libQt6XcbQpa.so.6 (0x00007f0c)
\tlibxkbcommon-x11.so.0 => /lib/x86_64-linux-gnu/libxkbcommon-x11.so.0 (0x00007f0c2b3e000)
\tlibxcb-cursor.so.0 => not found
\tlibxcb-icccm.so.4 => not found
\tlibxcb-keysyms.so.1 => not found
\tlibxcb-icccm.so.4 => not found
\tlibxcb.so.1 => /lib/x86_64-linux-gnu/libxcb.so.1 (0x00007f0c1755000)
"""


def test_every_missing_library_is_named_with_its_packages_in_one_line():
    missing = missing_from_ldd(LDD_ON_A_FRESH_DESKTOP)
    assert missing == ["libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-keysyms.so.1"]
    line = install_line(missing)
    assert "\n" not in line
    assert "sudo apt install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1" in line
    assert "sudo dnf install xcb-util-cursor xcb-util-wm xcb-util-keysyms" in line


@pytest.mark.skipif(not sys.platform.startswith("linux") or shutil.which("ldd") is None, reason="Linux with ldd")
def test_the_real_linker_is_asked(tmp_path):
    """A copy of the plugin away from the Qt libraries it finds by its relative RPATH: the real
    ``ldd`` reports them missing, and so do we."""
    plugin = xcb_plugin()
    if plugin is None:
        pytest.skip("PySide6 without the xcb plugin")
    copy = tmp_path / "libqxcb.so"
    shutil.copy(plugin, copy)
    missing = missing_libraries(copy)
    assert "libQt6XcbQpa.so.6" in missing
    assert "libQt6XcbQpa.so.6" in install_line(missing)
    assert set(missing_libraries(plugin)) <= set(missing) - {"libQt6XcbQpa.so.6", "libQt6Gui.so.6", "libQt6Core.so.6"}


def test_which_sessions_use_xcb():
    assert not uses_xcb({"QT_QPA_PLATFORM": "offscreen"})
    assert uses_xcb({"QT_QPA_PLATFORM": "xcb"})
    assert not uses_xcb({"QT_QPA_PLATFORM": "wayland;xcb"})
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}) is None
    if sys.platform.startswith("linux"):
        assert uses_xcb({"DISPLAY": ":0"}) and not uses_xcb({"WAYLAND_DISPLAY": "wayland-0"})


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11 is Linux's")
def test_the_app_without_a_display_says_why_in_one_line_instead_of_aborting(tmp_path, kodak_dir):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["QT_QPA_PLATFORM"] = "xcb"
    done = subprocess.run([sys.executable, "-m", "aesthetic_curator", str(kodak_dir)], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr  # not Qt's abort (134)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert "DISPLAY" in lines[0] or "sudo apt install" in lines[0]
    assert "Traceback" not in done.stderr
