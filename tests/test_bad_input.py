"""A folder full of what real folders hold: every bad file skipped with its reason, every good one scored."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from photos import make_bad_album


def _as_unprivileged() -> list[str]:
    """Root reads any file whatever its mode; drop the capabilities that allow it, so a file
    without read permission behaves as it does for a normal user."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: cannot make a file unreadable")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--inh-caps=-all"]


@pytest.mark.slow
def test_bad_files_are_skipped_with_reasons_and_good_ones_scored(tmp_path, kodak_paths):
    album = tmp_path / "album"
    good, expected = make_bad_album(album, kodak_paths)
    cmd = [*_as_unprivileged(), sys.executable, "-m", "aesthetic_curator",
           "--catalog", str(tmp_path / "cat.sqlite3"), "score", str(album), "--json"]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert sorted(Path(r["path"]) for r in out["results"]) == good
    assert all(1.0 <= r["mean"] <= 10.0 for r in out["results"])
    reasons = {Path(s["path"]).name: s["reason"] for s in out["skipped"]}
    assert set(reasons) == set(expected), reasons
    for name, words in expected.items():
        assert words in reasons[name].lower(), (name, reasons[name])
    # The human summary on stderr names every skipped file with its reason.
    for name in expected:
        assert name in run.stderr


def test_nothing_scorable_exits_non_zero(tmp_path):
    album = tmp_path / "album"
    album.mkdir()
    (album / "empty.jpg").write_bytes(b"")
    run = subprocess.run([sys.executable, "-m", "aesthetic_curator", "score", str(album)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 1
    assert "empty" in run.stderr and "no photo could be scored" in run.stderr
