"""Can Qt open a window here? Checked before Qt is loaded, because Qt cannot say it itself.

On Linux the pip wheel of PySide6 brings Qt but not the X11 libraries its ``xcb`` platform
plugin links against. On a desktop that lacks one (``libxcb-cursor0`` is missing from a default
Debian or Ubuntu install), Qt prints a paragraph about plugins and aborts the process (exit
134); installing the one library it names then reveals the next. Here we ask the dynamic
linker (``ldd``) for everything the plugin needs, and name every missing library with the
Debian/Ubuntu and Fedora packages that hold it, in one line. Nothing here imports Qt.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

#: Shared libraries the xcb plugin of Qt 6 needs from the system: (Debian/Ubuntu, Fedora) package.
PACKAGES: dict[str, tuple[str, str]] = {
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
    "libxcb.so.1": ("libxcb1", "libxcb"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libX11.so.6": ("libx11-6", "libX11"),
    "libGL.so.1": ("libgl1", "libglvnd-glx"),
    "libGLX.so.0": ("libglx0", "libglvnd-glx"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl"),
    "libGLdispatch.so.0": ("libglvnd0", "libglvnd"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libgthread-2.0.so.0": ("libglib2.0-0", "glib2"),
}


def xcb_plugin() -> Path | None:
    """The installed PySide6's xcb platform plugin, found without importing PySide6."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or spec.origin is None:
        return None
    plugin = Path(spec.origin).parent / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    return plugin if plugin.is_file() else None


def missing_from_ldd(output: str) -> list[str]:
    """The libraries ``ldd`` reports as ``not found``, in its order, each once."""
    missing: list[str] = []
    for line in output.splitlines():
        name, arrow, where = line.strip().partition("=>")
        if arrow and where.strip() == "not found" and name.strip() not in missing:
            missing.append(name.strip())
    return missing


def missing_libraries(plugin: Path | None = None) -> list[str]:
    """System libraries the xcb plugin needs and this machine lacks ([] when none, or when it
    cannot be told: no plugin, no ``ldd``)."""
    plugin = plugin or xcb_plugin()
    ldd = shutil.which("ldd")
    if plugin is None or ldd is None:
        return []
    try:
        done = subprocess.run([ldd, str(plugin)], capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.SubprocessError):
        return []
    return missing_from_ldd(done.stdout + done.stderr)


def install_line(missing: list[str]) -> str:
    """One line naming what to install, for both families of Linux distributions."""
    debian = list(dict.fromkeys(PACKAGES.get(lib, (lib, lib))[0] for lib in missing))
    fedora = list(dict.fromkeys(PACKAGES.get(lib, (lib, lib))[1] for lib in missing))
    return (f"error: the desktop app needs system libraries this machine lacks ({', '.join(missing)}): "
            f"install them with 'sudo apt install {' '.join(debian)}' (Debian, Ubuntu) or "
            f"'sudo dnf install {' '.join(fedora)}' (Fedora); the commands (aesthetic-curator score ...) "
            "work without them")


def uses_xcb(environ: dict[str, str] | os._Environ = os.environ) -> bool:
    """Whether Qt will open its window through X11 (xcb): asked for, or the default on a Linux
    session that is not Wayland."""
    platform = environ.get("QT_QPA_PLATFORM", "")
    if platform:
        return platform.split(";")[0].split(":")[0] == "xcb"
    return sys.platform.startswith("linux") and not environ.get("WAYLAND_DISPLAY")


def display_problem(environ: dict[str, str] | os._Environ = os.environ) -> str | None:
    """A one-line reason the app cannot open a window here, or None when it can (as far as can be
    told without loading Qt)."""
    if not uses_xcb(environ):
        return None
    missing = missing_libraries()
    if missing:
        return install_line(missing)
    if not environ.get("DISPLAY"):
        return ("error: no display to open the window on (DISPLAY is not set): start the app from a desktop "
                "session, or use the commands (aesthetic-curator --help), which need none")
    return None
