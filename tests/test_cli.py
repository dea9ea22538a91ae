"""The ``aesthetic-curator`` command as a user runs it."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest

from aesthetic_curator.cli import main


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "aesthetic_curator", *args], capture_output=True, text=True,
                          timeout=300)


@pytest.mark.slow
def test_score_kodak_json(kodak_dir):
    run = _run("score", str(kodak_dir), "--json")
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    results = out["results"]
    assert len(results) == 24 and not out["skipped"]
    assert all(1.0 <= r["mean"] <= 10.0 for r in results)
    assert [r["mean"] for r in results] == sorted((r["mean"] for r in results), reverse=True)
    assert all(abs(sum(r["distribution"]) - 1) < 1e-3 for r in results)
    assert out["model"].startswith("nima-mobilenet-ava:")
    assert "24/24" in run.stderr  # the progress bar's last line


def test_table_csv_and_top_agree(kodak_dir, capsys):
    assert main(["score", str(kodak_dir), "--top", "5", "-q"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == ["rank", "score", "spread", "photo"] and len(table) == 6
    assert main(["score", str(kodak_dir), "--csv", "--top", "5", "-q"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["path"].rsplit("/", 1)[-1] for r in rows] == [line.split()[-1] for line in table[1:]]
    assert [float(r["mean"]) for r in rows] == sorted((float(r["mean"]) for r in rows), reverse=True)


def test_missing_album_is_a_clear_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as refused:  # by the parser, before the catalog is opened
        main(["score", str(tmp_path / "nowhere")])
    assert refused.value.code == 2
    assert "nowhere: no such folder or file" in capsys.readouterr().err


def test_resnet18_without_checkpoint_says_what_is_needed(kodak_dir, capsys):
    assert main(["score", str(kodak_dir), "--model", "resnet18"]) == 2
    assert "checkpoint" in capsys.readouterr().err
