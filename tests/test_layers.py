"""Layering rules that nothing else would check: the core never imports Qt."""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import aesthetic_curator

PACKAGE = Path(aesthetic_curator.__file__).parent
QT_MODULES = ("PySide6", "PyQt5", "PyQt6", "shiboken6", "qtpy")


def _core_modules() -> list[str]:
    return [m.name for m in pkgutil.walk_packages([str(PACKAGE)], "aesthetic_curator.")
            if not m.name.startswith("aesthetic_curator.gui") and not m.name.endswith("__main__")]


def test_no_core_source_file_imports_qt():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if "gui" in path.relative_to(PACKAGE).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in QT_MODULES]
    assert not offenders


@pytest.mark.slow
def test_importing_every_core_module_loads_no_qt():
    modules = _core_modules()
    assert "aesthetic_curator.scoring" in modules and "aesthetic_curator.catalog" in modules
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {QT_MODULES!r}))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"


def test_answering_from_the_catalog_does_not_import_torch():
    """Start-up speed: re-opening a scored album must not pay torch's import time."""
    code = "import sys, aesthetic_curator.cli, aesthetic_curator.scoring; print('torch' in sys.modules)"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.stdout.strip() == "False", run.stderr


def test_ruff_is_clean():
    """Style drifts as quietly as layering: keep ruff's verdict part of the suite."""
    import shutil

    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is None:
        import pytest

        pytest.skip("ruff not installed")
    run = subprocess.run([ruff, "check", str(PACKAGE.parent)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout
