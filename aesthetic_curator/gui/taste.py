"""The current user's personal scores and Taste ▸ Rate Suggestions.

Both are core functions (``personal.service``) run by jobs: the personal refresh follows every
rating within about a second (features only: milliseconds; a cached scan when the trained adapters
are the adopted method), and each round of suggestions asks Active-PAM again after a rating.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QMenu

from ..catalog import Catalog
from ..scoring import Progress, ScanReport
from .actions import add_action
from .protocols import TasteHost

SUGGEST_BATCH = 10  # photos one round of "Rate Suggestions" asks for


@dataclass
class TasteReport:
    """What one personal refresh found (made by a worker): the album's personal scores (None without
    an album), the agreement and ``describe(agreement)``, and the agreement curve."""

    user: str
    album: ScanReport
    scores: object | None  # service.PersonalScores
    agreement: object | None  # taste.Agreement; None: no rated photo with a generic score
    text: str | None
    adapters_stale: bool
    curve: list


def taste_report(catalog_path: Path, user: str, album: ScanReport, folder: Path | None, report, cancel
                 ) -> TasteReport:
    """The personal refresh (on a worker): personal scores of the album (milliseconds, or a cached scan by
    the personal network when the adapters are the adopted method), what the core says of them, and the
    agreement curve. Without an album, the user's taste alone (it is the same in every album)."""
    from ..personal.service import agreement_curve, load_user_profile, personal_scores, user_taste
    from ..personal.taste import describe

    with Catalog(catalog_path) as cat:
        if album.scores:
            scores = personal_scores(cat, user, album, folder=folder, cancel=cancel, progress=report)
            agreement, stale = scores.agreement, scores.adapters_stale
        else:
            scores = None
            profile = load_user_profile(user, folder=folder)
            taste, _ = user_taste(cat, user, profile=profile, folder=folder)
            agreement = taste.agreement if taste is not None else None
            stale = (agreement is not None and profile is not None and profile.personal_state is not None
                     and bool(profile.oof) and "adapters" not in agreement.candidates)  # as personal_scores
        curve = agreement_curve(cat, user, now=agreement) if agreement is not None else []
    return TasteReport(user, album, scores, agreement, describe(agreement) if agreement is not None else None,
                       stale, curve)


class TasteController(QObject):
    """``personalScoresReady(source)`` when personal scores refresh; ``suggestionsReady(paths)``."""

    personalScoresReady = Signal(str)
    suggestionsReady = Signal(list)

    def __init__(self, host: TasteHost, menu: QMenu):
        super().__init__(host)
        self.host = host
        self.agreement = None  # taste.Agreement of the score the user sees (None: not known yet)
        self.taste_text: str | None = None  # taste.describe(agreement), made by the worker
        self.suggestions: list[str] = []
        self.suggest_target = 0  # photos this round of suggestions asks for
        self.suggest_seen: set[str] = set()  # every photo suggested in this round
        self.timer = QTimer(self, singleShot=True, interval=400)  # a refresh after ratings come to rest
        self.timer.timeout.connect(self.refresh_personal)
        self.act_suggest = add_action(host, menu, "&Rate Suggestions", "Ctrl+R", self._toggle_suggestions,
                                      checkable=True,
                                      tip="Walk the photos the personal model learns most from (Active-PAM)")

    def forget(self) -> None:
        """Another user: nothing of the previous one's taste or suggestions is shown."""
        self.agreement, self.taste_text = None, None
        self.host.taste_panel.show_message("Reading your taste…")
        self.suggestions = []
        self.suggest_seen = set()
        if self.act_suggest.isChecked():
            self.act_suggest.setChecked(False)

    # -- personal scores ----------------------------------------------------------------------------------
    def refresh_personal(self) -> None:
        """Recompute the current user's scores and what is said of them, in the background (features
        only: milliseconds; a cached scan when the trained adapters are the adopted method)."""
        host = self.host
        user, catalog_path, folder, album = host.user, host.catalog.path, host.profiles_folder, host.album.report()

        def work(report, cancel):
            return taste_report(catalog_path, user, album, folder, report, cancel)

        def progress(p: Progress) -> None:
            host.scan_label.setText(f"Your scores: {p.done} of {p.total}")

        host.runner.run("personal", work, progress, self._personal_ready,
                        lambda message: host.runner.on_failed(f"Personal scores unavailable: {message}"),
                        pool=host.runner.personal_pool)

    def _personal_ready(self, report: TasteReport) -> None:
        host = self.host
        if report.user != host.user:
            return
        scores = report.scores
        if scores is not None:
            # Re-sort by personal score only when its source changes (first scores, a trained model):
            # not after every rating, which would move the photos under the user's eyes.
            resort = host.view_state.sort_key() == "personal" and scores.source != host.album.personal_source
            if scores.source is None:
                host.album.set_personal(None, {})
            else:
                pairs = zip(report.album.scores, scores.scores, strict=True)
                host.album.set_personal(scores.source, {s.content_hash: float(v) for s, v in pairs})
            host.model.all_changed()
            if resort:
                host.view_state.apply_view()
            host.refresh_current_panel()
        self.agreement, self.taste_text = report.agreement, report.text
        if report.text is None:
            host.taste_panel.show_message(
                "No ratings yet. Rate photos (keys 1-5): from the fifth rating on, your own score is learnt "
                "and checked on photos it did not see." if not host.album.stars else
                "Your rated photos are not scored yet: open the album they are in.")
        else:
            host.taste_panel.show_taste(host.user, report.text, report.curve, host.trainer.stale_note()
                                        if report.adapters_stale else "")
        host.update_user_ui()
        self.personalScoresReady.emit((scores.source if scores is not None else None) or "")

    # -- Rate Suggestions: a round of SUGGEST_BATCH photos that counts down as the user rates them; after
    # each rating Active-PAM picks the rest again (it has learnt from the new rating).
    def suggesting(self) -> bool:
        return self.act_suggest.isChecked()

    def _toggle_suggestions(self) -> None:
        if self.act_suggest.isChecked():
            self.suggest_target, self.suggest_seen = SUGGEST_BATCH, set()
            self.request_suggestions()
        else:
            self.suggestions = []
            self.host.update_user_ui()

    def suggestions_left(self) -> int:
        """Photos of this round still to rate: the round's size less the suggested photos rated since."""
        table = self.host.album.table
        rated = 0
        for path in self.suggest_seen:
            row = table.row_of(path)
            rated += row is not None and table.stars[row] > 0
        return max(self.suggest_target - rated, 0)

    def request_suggestions(self) -> None:
        host = self.host
        if not host.album.scores:
            host.statusBar().showMessage("Suggestions need scored photos: open an album first", 4000)
            self.act_suggest.setChecked(False)
            return
        n = self.suggestions_left()
        if n == 0:
            self.act_suggest.setChecked(False)
            self.suggestions = []
            host.update_user_ui()
            host.statusBar().showMessage(f"You rated all {self.suggest_target} suggested photos. Rate Suggestions "
                                         "(Ctrl+R) picks more.", 10000)
            return
        user, catalog_path, album = host.user, host.catalog.path, host.album.report()

        def work(report, cancel):
            from ..personal.service import suggest_photos

            with Catalog(catalog_path) as cat:
                seed = len(cat.ratings(user))
                return [str(s.path) for s in suggest_photos(cat, user, album, n, seed=seed)]

        host.runner.run("suggest", work, lambda _: None, lambda paths: self._suggestions_ready(user, paths),
                        light=True)

    def _suggestions_ready(self, user: str, paths: list[str]) -> None:
        host = self.host
        if not self.act_suggest.isChecked() or user != host.user:
            return
        self.suggestions = paths
        self.suggest_seen.update(paths)
        if paths:
            row = host.album.table.row_of(paths[0])
            if row is not None:
                if host.model.view_row(row) < 0:
                    host.view_state.clear_filters()
                    host.view_state.apply_view()
                host.go_to(host.model.view_row(row))
        host.update_user_ui()
        self.suggestionsReady.emit(paths)
