"""Opening an album: File ▸ Open, Open Recent and drops; listing and scoring it, and reading capture dates.

``browse.list_album`` and ``scoring.score_album`` run on a job; the grid shows the listing at once
and fills in scores as batches arrive. The order stays put while a scan runs (re-sorting under the
user's eyes would move the photo they are looking at); it is applied when the scan ends.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox, QProgressBar

from ..browse import capture_time, list_album, scan_roots
from ..catalog import Catalog
from ..scoring import Progress, ScanReport
from .protocols import ScanHost

MAX_RECENT = 8
#: Jobs about the open album: a new album stops them (their results would be another album's).
ALBUM_JOBS = ("scan", "rescan", "dates", "personal", "suggest", "groups")


def scan_album(folder: Path, catalog_path: Path, report, cancel) -> ScanReport:
    """List ``folder`` and score it (on a worker), reporting ``("listed", …)``, ``("scores", …)`` and
    ``("progress", …)`` as it goes."""
    from ..scoring import Scorer, score_album

    paths, mtimes, skipped, companions = list_album(folder)
    report(("listed", paths, mtimes, skipped))

    def scorer():
        # Batches of 16: within 10% of 32's throughput on a CPU, and ~180 MB less peak memory.
        return Scorer.generic(batch_size=16)

    with Catalog(catalog_path) as cat:
        return score_album(
            scan_roots(paths, companions), cat, scorer=scorer, progress=lambda p: report(("progress", p)),
            cancel=cancel, on_scores=lambda s: report(("scores", s)))


class AlbumScan(QObject):
    """``albumLoaded(n)`` when an album is listed; ``scoresArrived(n)`` as generic scores come;
    ``scanFinished()`` when its scan has ended (done or stopped); ``unlisted()`` before it when the scan
    scored photos the grid lacks (a relisting then shows them)."""

    albumLoaded = Signal(int)
    scoresArrived = Signal(int)
    scanFinished = Signal()
    #: The scan scored photos the listing did not show (the JPEG of a RAW+JPEG pair whose RAW is unreadable).
    unlisted = Signal()

    def __init__(self, host: ScanHost, recent_menu: QMenu):
        super().__init__(host)
        self.host = host
        self.recent_menu = recent_menu
        self.scan_bar = QProgressBar(maximumWidth=180, textVisible=True)
        self.scan_bar.hide()

    def choose_album(self) -> None:
        folder = QFileDialog.getExistingDirectory(self.host, "Open album", str(self.host.album.folder or Path.home()))
        if folder:
            self.open_album(Path(folder))

    def update_recent(self) -> None:
        self.recent_menu.clear()
        for path in self.host.settings.value("recent", [], list) or []:
            self.recent_menu.addAction(path, lambda p=path: self.open_album(Path(p)))
        self.recent_menu.setEnabled(bool(self.recent_menu.actions()))

    def open_album(self, folder: Path) -> None:
        """List the folder and score it in the background; the grid fills as results come."""
        host = self.host
        folder = Path(os.path.abspath(folder))
        host.runner.stop(*ALBUM_JOBS)
        host.album.open(folder)
        host.album.load_marks(host.catalog)  # once per album: marks given elsewhere (the CLI) since show here
        host.album_opened(folder)
        settings = host.settings
        recent = [str(folder)] + [p for p in (settings.value("recent", [], list) or []) if p != str(folder)]
        settings.setValue("recent", recent[:MAX_RECENT])
        self.update_recent()
        host.scan_label.setText(f"Listing {folder}…")
        catalog_path = host.catalog.path
        host.runner.run("scan", lambda report, cancel: scan_album(folder, catalog_path, report, cancel),
                        self._progress, self._finished, self._failed)
        host.undo.clear()  # undoing a rating in an album no longer shown would be a surprise

    def _progress(self, payload) -> None:
        host = self.host
        kind = payload[0]
        if kind == "listed":
            _, paths, mtimes, skipped = payload
            host.album.listed(paths, mtimes, skipped)
            host.model.set_table(host.album.table, host.view_state.order())
            host.view.message("No photos in this folder" if not paths else "Select a photo")
            self.start_dates(paths)
            self.scan_bar.setRange(0, max(len(paths), 1))
            self.scan_bar.setValue(0)
            self.scan_bar.show()
            self.albumLoaded.emit(len(paths))
            if len(paths):
                host.go_to(0)
        elif kind == "scores":
            _, scores = payload
            rows = host.album.add_scores(scores)
            host.model.table_rows_changed(rows)
            # a filter on stars or flags can only be applied once ids are known
            host.view_state.reorder_if_filtered()
            # The order stays put while a scan runs; it is applied when the scan ends, or now with Ctrl+1..4.
            host.refresh_current_panel()
            self.scoresArrived.emit(len(host.album.scores))
        elif kind == "progress":
            p: Progress = payload[1]
            self.scan_bar.setRange(0, max(p.total, 1))
            self.scan_bar.setValue(p.done)
            host.scan_label.setText(f"Scoring: {p.done} of {p.total}" + (f", {p.skipped} skipped" if p.skipped else ""))
        host.update_counts()

    def _finished(self, report: ScanReport) -> None:
        host = self.host
        host.album.skipped += [(k.path, k.reason) for k in report.skipped]
        self.scan_bar.hide()
        host.scan_label.setText(f"{len(report.scores)} photos scored" + (" (stopped)" if report.cancelled else ""))
        host.update_counts()
        host.view_state.apply_view()
        host.taste.refresh_personal()
        host.trainer.offer_training()  # an automatic training waits for the scan to end
        if any(host.album.table.row_of(s.path) is None for s in report.scores):
            self.unlisted.emit()
        self.scanFinished.emit()

    def _failed(self, message: str) -> None:
        self.scan_bar.hide()
        self.host.scan_label.setText("Scoring stopped")
        QMessageBox.warning(self.host, "Scoring stopped", f"Scoring this album stopped: {message}\n"
                                                          "Photos scored so far are kept.")

    def start_dates(self, paths: list[Path], rows: list[int] | None = None) -> None:
        """Capture dates of ``paths`` (table rows ``rows``, default: all in order), read by a job."""
        at = rows

        def dates(report, cancel):
            rows, times = [], []
            for i, p in enumerate(paths):
                if cancel.is_set():
                    return None
                t = capture_time(p)
                if t is not None:
                    rows.append(i if at is None else at[i])
                    times.append(t)
                if len(rows) >= 500:
                    report((rows, times))
                    rows, times = [], []
            report((rows, times))
            return None

        album, table, view_state = self.host.album, self.host.album.table, self.host.view_state
        self.host.runner.run(
            "dates", dates, lambda payload: table.set_captured(*payload) if table is album.table else None,
            lambda _: view_state.reorder_soon() if view_state.sort_key() == "date" else None, light=True)
