"""File ▸ Rescan (F5), and new or removed files in the album found on their own.

A rescan lists the album again and scores it through the catalog (a worker: unchanged files are
answered from the catalog, only new ones go through the network), then swaps the grid's table in
one step, keeping the current photo, the selection, ratings, personal scores and thumbnails of
the files that did not change. A ``QFileSystemWatcher`` on the album's folders (it watches only the
folders it is given, not their subfolders: every folder that holds a photo, and the album's own)
starts the same rescan once the folder has been quiet for a moment, so a photo copied in, or one
the app exports beside the original, appears without a restart.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QItemSelection, QItemSelectionModel, QObject, QTimer, Signal

from ..browse import PhotoTable, list_album, scan_roots
from ..catalog import Catalog
from ..scoring import Progress, ScanReport
from .actions import add_action
from .protocols import WatchHost

logger = logging.getLogger(__name__)

#: Quiet time after the last change in a watched folder before rescanning (a copy in progress
#: changes the folder many times; a half-written file would be skipped as truncated).
SETTLE_MS = 1500
#: At most this many folders are watched (each costs an inotify watch, a limited resource).
MAX_WATCHED = 2000


@dataclass
class Rescan:
    """What a rescan found (made by the worker)."""

    folder: Path
    paths: list[Path]
    mtimes: list[float]
    skipped: list[tuple[Path, str]]
    report: ScanReport


def rescan_album(folder: Path, catalog_path: Path, report, cancel) -> Rescan:
    """List and score ``folder`` (on a worker); the catalog answers every unchanged file."""
    from ..scoring import Scorer, score_album

    paths, mtimes, skipped, companions = list_album(folder)
    with Catalog(catalog_path) as cat:
        scan = score_album(scan_roots(paths, companions), cat, scorer=lambda: Scorer.generic(batch_size=16),
                           progress=report, cancel=cancel)
    # The JPEG of a pair whose RAW is unreadable is scored alone (scoring.scan): it joins the listing.
    listed = {str(p) for p in paths}
    for s in scan.scores:
        if str(s.path) not in listed:
            paths.append(s.path)
            try:
                mtimes.append(s.path.stat().st_mtime)
            except OSError:
                mtimes.append(float("nan"))
    return Rescan(folder, paths, mtimes, skipped, scan)


class AlbumWatch(QObject):
    """Owns File ▸ Rescan and the folder watcher of the window's album. ``rescanned(n)``: a rescan
    has been shown, with ``n`` photos in the album."""

    rescanned = Signal(int)

    def __init__(self, window: WatchHost, menu, scan_finished):
        super().__init__(window)
        self.w = window
        self.watcher = QFileSystemWatcher(self)
        self.watcher.directoryChanged.connect(lambda _: self.timer.start())
        self.timer = QTimer(self, singleShot=True, interval=SETTLE_MS)
        self.timer.timeout.connect(self.rescan)
        self.waiting = False  # a rescan asked for while the album's first scan still runs
        self.action = add_action(window, menu, "Re&scan Album", "F5", self.rescan,
                                 tip="Find photos added to or removed from the album folder")
        scan_finished.connect(self._scan_finished)

    def stop(self) -> None:
        """The window closes: no more rescans."""
        self.timer.stop()
        self.waiting = False
        if self.watcher.directories():
            self.watcher.removePaths(self.watcher.directories())

    def _scan_finished(self) -> None:
        self.watch(self.w.album.table)
        if self.waiting:
            self.waiting = False
            self.rescan()

    def watch(self, table: PhotoTable) -> None:
        """Watch the album folder and every folder holding one of its photos (instead of any before)."""
        if self.watcher.directories():
            self.watcher.removePaths(self.watcher.directories())
        album = self.w.album.folder
        if album is None:
            return
        folders = [str(album), *sorted({str(p.parent) for p in table.paths} - {str(album)})]
        if len(folders) > MAX_WATCHED:
            logger.info("watching %d of the album's %d folders for new photos", MAX_WATCHED, len(folders))
        self.watcher.addPaths(folders[:MAX_WATCHED])

    def rescan(self) -> None:
        """List the album again and show what changed, in the background (cheap: the catalog caches scores)."""
        w = self.w
        if w.album.folder is None:
            w.statusBar().showMessage("Open an album first (Ctrl+O)", 4000)
            return
        if "scan" in w.runner.jobs:  # the first scan is still running: it will be followed by this rescan
            self.waiting = True
            return
        folder, catalog_path = w.album.folder, w.catalog.path
        w.scan_label.setText("Rescanning the album…")

        def progress(p: Progress) -> None:
            if p.scored:
                w.scan_label.setText(f"Rescanning: {p.done} of {p.total}, {p.scored} new scored")

        w.runner.run("rescan", lambda report, cancel: rescan_album(folder, catalog_path, report, cancel), progress,
                     self._show, lambda message: w.runner.on_failed(f"Rescan stopped: {message}"))

    def _show(self, found: Rescan) -> None:
        w = self.w
        if found.folder != w.album.folder:
            return  # another album was opened meanwhile
        old = w.album.table
        scan = found.report
        w.album.skipped = list(found.skipped) + [(k.path, k.reason) for k in scan.skipped]
        by_path = {str(s.path): s.content_hash for s in scan.scores}
        same = ([str(p) for p in found.paths] == [str(p) for p in old.paths]
                and all(by_path.get(str(p)) == h for p, h in zip(old.paths, old.content_hash, strict=True)))
        if same:
            w.album.replace(scan.scores)
            w.scan_label.setText("Rescanned: no new or removed photos")
        else:
            self._swap(old, found)
        self.watch(w.album.table)
        w.update_counts()
        self.rescanned.emit(len(w.album.table))

    def _swap(self, old: PhotoTable, found: Rescan) -> None:
        """Show the new listing, keeping what the user was looking at and what is known of each photo."""
        w = self.w
        new = PhotoTable(found.paths, found.mtimes)
        new.set_scores(found.report.scores)
        new.set_personal({h: float(v) for h, v in zip(old.content_hash, old.personal, strict=True)
                          if h is not None and not math.isnan(v)})
        fresh = []  # capture dates: carried over for known files, read by a job for the new ones
        for r, p in enumerate(new.paths):
            o = old.row_of(p)
            if o is not None and old.content_hash[o] == new.content_hash[r]:
                new.captured[r] = old.captured[o]
            else:
                fresh.append(r)
        added = len({str(p) for p in new.paths} - {str(p) for p in old.paths})
        removed = len({str(p) for p in old.paths} - {str(p) for p in new.paths})

        current = w.current_row()
        current_path = str(old.paths[current]) if current is not None else None
        selected = {str(old.paths[r]) for r in w.selected_rows()}
        w.album.replace(found.report.scores, new)  # groups are rows of the old listing: found afresh with Ctrl+G
        w.model.set_table(new, w.view_state.order(), carry_from=old)
        self._reselect(current_path, selected)
        if fresh:
            w.scanner.start_dates([new.paths[r] for r in fresh], rows=fresh)
        w.view_state.apply_view()
        w.refresh_current_panel()
        w.taste.refresh_personal()  # new photos get their personal scores
        w.scan_label.setText(f"Rescanned: {added} new, {removed} removed")

    def _reselect(self, current_path: str | None, selected: set[str]) -> None:
        w = self.w
        model = w.model
        table = w.album.table
        view_rows = [model.view_row(r) for p in selected if (r := table.row_of(p)) is not None]
        view_rows = [v for v in view_rows if v >= 0]
        row = table.row_of(current_path) if current_path else None
        if row is not None and model.view_row(row) >= 0:
            w.go_to(model.view_row(row))
        elif model.rowCount():
            w.go_to(0)
        selection = QItemSelection()
        for v in view_rows:
            selection.select(model.index(v), model.index(v))
        if len(view_rows) > 1:
            w.grid.selectionModel().select(selection, QItemSelectionModel.SelectionFlag.Select)
