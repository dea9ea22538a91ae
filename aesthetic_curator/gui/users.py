"""Taste ▸ Switch, New, Rename and Delete User, and the status bar's "whose taste" line.

Each user has their own stars, flags and personal model; switching shows the album with the other
user's marks and scores. Renaming moves the profile (torch reads it, so a job does it); deleting
is ``personal.service.delete_user``, also on a job (the service imports torch).
"""

from __future__ import annotations

import getpass

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QInputDialog, QLabel, QMenu, QMessageBox

from ..catalog import Catalog
from .actions import add_actions
from .protocols import UsersHost
from .taste_panel import short_taste


def initial_user(settings, catalog: Catalog) -> str:
    """The user of the last session, else the first one, else one named after the login (created)."""
    saved = settings.value("user", "", str)
    users = catalog.users()
    if saved and saved in users:
        return saved
    if users:
        return users[0]
    name = (getpass.getuser() or "me").strip().title() or "Me"
    catalog.user_id(name)
    return name


class UsersController(QObject):
    def __init__(self, host: UsersHost, menu: QMenu):
        super().__init__(host)
        self.host = host
        self.user_label = QLabel()
        self.user_menu = menu.addMenu("&Switch User")
        self.user_menu.aboutToShow.connect(self.fill_user_menu)
        add_actions(host, menu, [("&New User…", "Ctrl+Shift+N", self.new_user),
                                 ("Re&name User…", "Ctrl+Shift+E", self.rename_user),
                                 ("&Delete User…", "Ctrl+Shift+Del", self.delete_user)])

    def switch_user(self, name: str) -> None:
        host = self.host
        if name != host.user and host.trainer.busy("Switch user", lambda: self.switch_user(name)):
            self.update_user_ui()
            return
        host.settings.setValue("user", name)
        host.catalog.user_id(name)
        host.album.load_marks(host.catalog, name)
        host.trainer.switched_user()
        host.undo.clear()
        host.album.set_personal(None, {})
        host.taste.forget()
        host.model.all_changed()
        host.view_state.apply_view()
        host.taste.refresh_personal()
        self.update_user_ui()
        host.update_counts()

    def _ask_name(self, title: str, label: str, text: str = "") -> str | None:
        """A new user name, or None (cancelled, empty, unchanged or taken: said so)."""
        name, ok = QInputDialog.getText(self.host, title, label, text=text)
        name = name.strip()
        if not ok or not name or name == text:
            return None
        if name in self.host.catalog.users():
            QMessageBox.warning(self.host, title, f"There is already a user named {name}.")
            return None
        return name

    def new_user(self) -> None:
        if self.host.trainer.busy("New user", self.new_user):
            return
        name = self._ask_name("New user", "Name:")
        if name is not None:
            self.switch_user(name)

    def rename_user(self) -> None:
        host = self.host
        if host.trainer.busy("Rename user", self.rename_user):
            return
        new = self._ask_name("Rename user", "New name:", host.user)
        if new is None:
            return
        old, catalog_path, folder = host.user, host.catalog.path, host.profiles_folder

        def work(report, cancel):  # moving the profile reads and writes it: torch, so a worker
            from ..personal.service import rename_user

            with Catalog(catalog_path) as cat:
                rename_user(cat, old, new, folder)
            return new

        def renamed(new_name: str) -> None:
            if host.user == old:
                host.album.user = new_name
                host.settings.setValue("user", new_name)
                host.taste.refresh_personal()  # "Your taste (name)"
            self.update_user_ui()

        host.runner.run("users", work, lambda _: None, renamed,
                        lambda message: QMessageBox.warning(host, "Rename user", f"Not renamed: {message}"), light=True)

    def delete_user(self) -> None:
        host = self.host
        if host.trainer.busy("Delete user", self.delete_user):
            return
        answer = QMessageBox.question(
            host, "Delete user", f"Delete {host.user} with all their ratings, flags and personal model?\n"
                                 "Photos and generic scores are kept.")
        if answer != QMessageBox.StandardButton.Yes:
            return
        gone, catalog_path, folder = host.user, host.catalog.path, host.profiles_folder

        def work(report, cancel):
            from ..personal.service import delete_user

            with Catalog(catalog_path) as cat:
                delete_user(cat, gone, folder)
                return cat.users()

        def deleted(others: list[str]) -> None:
            if host.user == gone:
                self.switch_user(others[0] if others else (getpass.getuser() or "me").title())
            else:
                self.update_user_ui()

        host.runner.run("users", work, lambda _: None, deleted,
                        lambda message: QMessageBox.warning(host, "Delete user", f"Not deleted: {message}"), light=True)

    def update_user_ui(self) -> None:
        """The status line (whose taste, how many ratings, the suggestion round) and the Switch User menu."""
        host, taste = self.host, self.host.taste
        text = short_taste(host.user, len(host.album.stars), taste.agreement)
        suggesting = taste.suggesting()
        taste.act_suggest.setText("&Rate Suggestions" + (f" ({taste.suggestions_left()} left)" if suggesting else ""))
        if suggesting:
            text = f"Rate suggestions: {taste.suggestions_left()} of {taste.suggest_target} left · " + text
        self.user_label.setText(text)
        self.user_label.setToolTip(taste.taste_text or "")

    def fill_user_menu(self) -> None:
        """Switch User lists the catalog's users when it opens: not rebuilt (and the catalog not read)
        after every mark, as the status line is."""
        host = self.host
        self.user_menu.clear()
        for name in host.catalog.users():
            a = self.user_menu.addAction(name, lambda name=name: self.switch_user(name))
            a.setCheckable(True)
            a.setChecked(name == host.user)
