"""The app's icon and its freedesktop menu entry (Linux desktops: GNOME, KDE, Xfce...).

``pip install`` puts a command in a virtual environment, which no desktop menu looks at.
``aesthetic-curator desktop install`` writes a ``.desktop`` entry and the icon under the user's
``$XDG_DATA_HOME`` (``~/.local/share``), with the command's absolute path, so the app appears in
the menu and the taskbar shows its icon; ``desktop remove`` takes both away. Nothing here needs
Qt or root.

The files themselves are in the source tree's ``resources/`` folder, or, for an installed wheel,
in ``<prefix>/share/aesthetic-curator/resources``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from .atomic import atomic_file
from .errors import MissingDataError

APP_ID = "aesthetic-curator"
ICON_SVG = f"{APP_ID}.svg"
ICON_PNG = f"{APP_ID}-256.png"
DESKTOP_FILE = f"{APP_ID}.desktop"


def resources_dirs() -> list[Path]:
    return [Path(__file__).resolve().parents[1] / "resources",
            Path(sys.prefix) / "share" / APP_ID / "resources"]


def resource(name: str) -> Path:
    """A shipped resource file, from the checkout or the installed share folder."""
    for folder in resources_dirs():
        if (folder / name).is_file():
            return folder / name
    raise MissingDataError(f"resource {name!r} not found in " + ", ".join(str(d) for d in resources_dirs()))


def data_home(environ: dict[str, str] | os._Environ = os.environ) -> Path:
    """``$XDG_DATA_HOME``, else ``~/.local/share`` (the XDG base directory specification)."""
    value = environ.get("XDG_DATA_HOME", "")
    return Path(value) if value and Path(value).is_absolute() else Path.home() / ".local" / "share"


def launcher() -> list[str]:
    """The command that starts this installation's app, as absolute paths: the console script
    beside this Python (a virtual environment's ``bin``), else this Python with ``-m``."""
    script = Path(sys.executable).parent / APP_ID
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [sys.executable, "-m", "aesthetic_curator"]


def _exec_quote(word: str) -> str:
    """A word of an ``Exec`` key: quoted as the Desktop Entry specification asks when it holds a
    reserved character (``%`` is doubled in any case)."""
    word = word.replace("%", "%%")
    if any(c in word for c in ' \t\n"\'\\><~|&;$*?#()`'):
        return '"' + "".join("\\" + c if c in '"`$\\' else c for c in word) + '"'
    return word


def entry_text(command: list[str] | None = None, icon: Path | None = None) -> str:
    """The shipped entry, its ``Exec`` and ``Icon`` pointing at this installation."""
    text = resource(DESKTOP_FILE).read_text(encoding="utf-8")
    exec_line = " ".join(_exec_quote(w) for w in (command or launcher())) + " %f"
    lines = []
    for line in text.splitlines():
        if line.startswith("Exec="):
            line = f"Exec={exec_line}"
        elif line.startswith("TryExec="):
            line = f"TryExec={(command or launcher())[0]}"
        elif line.startswith("Icon=") and icon is not None:
            line = f"Icon={icon}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def installed_paths(home: Path | None = None) -> dict[str, Path]:
    home = home or data_home()
    icons = home / "icons" / "hicolor"
    return {"entry": home / "applications" / DESKTOP_FILE,
            "svg": icons / "scalable" / "apps" / ICON_SVG,
            "png": icons / "256x256" / "apps" / f"{APP_ID}.png"}


def install(home: Path | None = None) -> dict[str, Path]:
    """Write the menu entry and the icons for the current user; returns where they went.
    Run again after moving the virtual environment: the entry holds its path."""
    paths = installed_paths(home)
    for key, source in (("svg", resource(ICON_SVG)), ("png", resource(ICON_PNG))):
        paths[key].parent.mkdir(parents=True, exist_ok=True)
        with atomic_file(paths[key]) as f:
            f.write(source.read_bytes())
    paths["entry"].parent.mkdir(parents=True, exist_ok=True)
    with atomic_file(paths["entry"]) as f:
        f.write(entry_text(icon=paths["svg"]).encode("utf-8"))
    _refresh_caches(paths["entry"].parent)
    return paths


def remove(home: Path | None = None) -> list[Path]:
    """Take the menu entry and icons away again; returns what was removed."""
    removed = []
    for path in installed_paths(home).values():
        if path.is_file():
            path.unlink()
            removed.append(path)
    return removed


def _refresh_caches(applications: Path) -> None:
    """Menus notice a new entry by themselves; the cache tools, where present, make it immediate."""
    tool = shutil.which("update-desktop-database")
    if tool is not None:
        subprocess.run([tool, str(applications)], capture_output=True, timeout=30, check=False)


def validate(path: Path) -> str | None:
    """``desktop-file-validate``'s complaints about an entry, None when it has none (or is absent)."""
    tool = shutil.which("desktop-file-validate")
    if tool is None:
        return None
    done = subprocess.run([tool, str(path)], capture_output=True, text=True, timeout=30, check=False)
    out = (done.stdout + done.stderr).strip()
    return out or (None if done.returncode == 0 else f"exit status {done.returncode}")
