"""The window's culling and interoperability actions: bursts (find, stack, expand, keep best),
XMP (import ratings, write sidecars) and export. Each runs its core function in a job; the GUI
thread only shows results and writes marks through the undo stack.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QKeySequence

from ..catalog import PICK, REJECT, Catalog
from ..culling import PhotoGroup, group_album, keep_best_marks
from .actions import add_action, add_actions
from .marks import MarkCommand
from .protocols import CullHost


class CullActions(QObject):
    """``groupsFound(n)`` when grouping finishes; ``ratingsImported(n)`` after an XMP import."""

    groupsFound = Signal(int)
    ratingsImported = Signal(int)
    sidecarsWritten = Signal(int)

    def __init__(self, window: CullHost):
        super().__init__(window)
        self.w = window
        m = window.menuBar().addMenu("&Cull")
        self.act_find = add_action(window, m, "Find &Bursts and Duplicates", "Ctrl+G", self.find_groups,
                                   tip="Group takes of the same shot (features, capture time, perceptual hash)")
        self.act_stack = add_action(window, m, "&Stack Groups", "Ctrl+Shift+G", self.set_stacked, checkable=True,
                                    tip="Show only the best of each group")
        self.act_expand = add_action(window, m, "&Expand or Collapse This Group", "G", self.toggle_expanded)
        add_actions(window, m, [
            None,
            ("&Keep Best of This Group", "Ctrl+K", lambda: self.keep_best(only_current=True),
             "Pick the best photo of the current group and reject the rest (undoable)"),
            ("Keep Best of &All Groups", "Ctrl+Shift+K", lambda: self.keep_best(only_current=False)),
            None,
            ("&Import Ratings from XMP", None, self.import_ratings,
             "Read star ratings, picks and rejects from sidecars (Lightroom, darktable, digiKam)"),
            ("&Write XMP Sidecars", None, self.write_sidecars,
             "Write your stars, picks and rejects and the scores to sidecars beside the photos"),
            ("E&xport…", QKeySequence("Ctrl+Shift+X"), self.export,
             "Copy or move the picks, the top N or starred photos, with sidecars"),
        ])

    @property
    def groups(self) -> list[PhotoGroup]:
        return self.w.album.groups

    @property
    def stacked(self) -> bool:
        return self.w.album.stacked

    # -- groups ----------------------------------------------------------------------------------------
    def find_groups(self) -> None:
        w = self.w
        if not w.album.scores:
            w.statusBar().showMessage("Open an album and let it be scored first", 4000)
            return
        album, table = w.album.report(), w.album.table
        rows = [table.row_of(s.path) for s in album.scores]
        personal_aligned = np.array([table.personal[r] if r is not None else np.nan for r in rows])
        stars = np.array([table.stars[r] if r is not None else 0 for r in rows], np.float64)
        catalog_path = w.catalog.path

        def work(report, cancel):
            with Catalog(catalog_path) as cat:
                # EXIF times are read again here: the table falls back to file times, which would
                # make photos copied off a card together look like one burst.
                return album, rows, group_album(cat, album, personal=personal_aligned, stars=stars, cancel=cancel)

        w.scan_label.setText("Finding bursts and duplicates…")
        w.runner.run("groups", work, lambda _: None, self._groups_ready)

    def _groups_ready(self, result) -> None:
        _, rows, groups = result
        w = self.w
        w.album.set_groups(groups, rows)
        grouped = sum(len(r) for r in w.album.group_rows)
        w.scan_label.setText(f"{len(groups)} groups ({grouped} photos)")
        if groups and not w.album.stacked:
            self.act_stack.setChecked(True)
            w.album.stacked = True
        w.view_state.apply_view()
        w.model.all_changed()
        self.groupsFound.emit(len(groups))

    def set_stacked(self, on: bool) -> None:
        self.w.album.stacked = bool(on)
        self.w.view_state.apply_view()

    def current_group(self) -> int:
        row = self.w.current_row()
        return int(self.w.album.table.group[row]) if row is not None else -1

    def toggle_expanded(self) -> None:
        g = self.current_group()
        if g < 0:
            return
        self.w.album.expanded.symmetric_difference_update({g})
        self.w.view_state.apply_view()

    def keep_best(self, only_current: bool) -> None:
        """Pick the best of the group(s), reject the rest: one undoable step."""
        w = self.w
        t = w.album.table
        if only_current:
            g = self.current_group()
            chosen = [g] if g >= 0 else []
        else:
            chosen = sorted(set(t.group[t.group >= 0].tolist()))
        if not chosen:
            w.statusBar().showMessage("No group here: find bursts first (Ctrl+G)", 4000)
            return
        photo_ids = t.photo_id.tolist()
        groups = []
        for g in chosen:
            rows = t.rows_of_group(g)
            best = int(rows[np.flatnonzero(t.group_best[rows])[0]])
            groups.append(PhotoGroup(tuple(int(r) for r in rows), best))
        flags = w.album.flags
        changes = dict(keep_best_marks(groups, photo_ids, flags, w.album.stars))
        changes.pop(-1, None)
        if not changes:
            w.statusBar().showMessage("Already kept: the best is picked and the rest rejected", 4000)
            return
        old = {pid: flags.get(pid) for pid in changes}
        picked = sum(v == PICK for v in changes.values())
        rejected = sum(v == REJECT for v in changes.values())
        w.undo.push(MarkCommand(w.marks, "flag", list(changes), changes, old,
                                f"Keep best ({picked} picked, {rejected} rejected)"))
        w.statusBar().showMessage(f"Kept the best: {picked} picked, {rejected} rejected (Ctrl+Z undoes)", 6000)

    # -- XMP -------------------------------------------------------------------------------------------
    def _style(self) -> str:
        return self.w.settings.value("xmp/style", "darktable", str)

    def import_ratings(self) -> None:
        from ..interop import import_ratings

        w = self.w
        if not len(w.album.table):
            return
        table = w.album.table
        # The pairs' JPEGs too: marks another app gave a pair's JPEG are the pair's (interop pairs them again).
        paths = [*table.paths, *(c for c in table.companion if c is not None)]
        user, style, catalog_path = w.user, self._style(), w.catalog.path

        def work(report, cancel):
            with Catalog(catalog_path) as cat:
                return import_ratings(cat, user, paths, style=style, cancel=cancel,
                                      progress=lambda done, total: report((done, total)))

        def progress(p) -> None:
            w.scan_label.setText(f"Reading XMP: {p[0]} of {p[1]}")

        def done(result) -> None:
            w.album.load_marks(w.catalog)  # the job wrote them
            w.model.all_changed()
            w.view_state.apply_view()
            if (result.new_stars or result.new_flags) and user == w.user:
                # Undoable like any rating: pushing re-stores the same values (redo), undo puts back
                # what each photo had before the import.
                w.undo.beginMacro(f"Import ratings from XMP ({result.ratings} stars, {result.flags} flags)")
                for kind, new, old in (("stars", result.new_stars, result.old_stars),
                                       ("flag", result.new_flags, result.old_flags)):
                    if new:
                        w.undo.push(MarkCommand(w.marks, kind, list(new), new, old, f"Import {kind}"))
                w.undo.endMacro()
            text = (f"Imported {result.ratings} star ratings and {result.flags} flags for {user}"
                    + (f"; kept {result.kept} you made here" if result.kept else "")
                    + (f"; {len(result.skipped)} unreadable sidecars" if result.skipped else ""))
            w.scan_label.setText(text)
            w.album.skipped += [(k.path, k.reason) for k in result.skipped]
            w.update_counts()
            if result.ratings:
                w.taste.refresh_personal()
                w.trainer.offer_training()
            self.ratingsImported.emit(result.ratings)

        w.runner.run("xmp-import", work, progress, done)

    def write_sidecars(self) -> None:
        from ..interop import write_sidecars

        w = self.w
        album = w.album.report()
        if not album.scores:
            return
        personal = w.album.personal_by_hash()
        user, style, catalog_path = w.user, self._style(), w.catalog.path

        def work(report, cancel):
            with Catalog(catalog_path) as cat:
                return write_sidecars(cat, user, album.scores, style=style, personal=personal, cancel=cancel,
                                      progress=lambda done, total: report((done, total)))

        def done(result) -> None:
            w.scan_label.setText(f"{len(result.written)} sidecars written ({style} naming)")
            if result.skipped:
                w.album.skipped += [(k.path, k.reason) for k in result.skipped]
                w.update_counts()
            self.sidecarsWritten.emit(len(result.written))

        w.runner.run("xmp-write", work, lambda p: w.scan_label.setText(f"Writing sidecars: {p[0]} of {p[1]}"), done)

    # -- export ----------------------------------------------------------------------------------------
    def export(self) -> None:
        from .export_dialog import ExportDialog

        w = self.w
        if not w.album.scores:
            w.statusBar().showMessage("Open an album and let it be scored first", 4000)
            return
        self.dialog = ExportDialog(w)
        self.dialog.show()
