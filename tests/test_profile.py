"""Profile files: written atomically, read safely, refused with a clear reason when they cannot be used."""

from __future__ import annotations

import os
import pickle
import shlex
from pathlib import Path

import numpy as np
import pytest
import torch

from aesthetic_curator.errors import ProfileError
from aesthetic_curator.models import NIMA_MOBILENET_AVA, WeightsSpec, load_generic
from aesthetic_curator.personal.adapters import PersonalNet, load_personal_state, personal_state_dict
from aesthetic_curator.personal.pam import PAMModel, fit_pam
from aesthetic_curator.personal.profile import (
    ENV_VAR,
    FORMAT,
    Profile,
    load_profile,
    profile_path,
    profiles_dir,
    save_profile,
)

OTHER_MODEL = WeightsSpec(name="resnet18-flickr", filename="resnet18_flickr.pt", sha256="ab" * 32)


@pytest.fixture(scope="module")
def base():
    return load_generic()[0]


def _pam_data():
    rng = np.random.default_rng(0)
    x = rng.random((8, 16)).astype(np.float32)
    g = 5 + rng.normal(0, 0.4, 8)
    r = np.array([1, 2, 3, 4, 5, 3, 2, 4], np.float64)
    return x, g, r


def make_profile(base, user: str = "ann") -> Profile:
    pn = PersonalNet(base)
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for p in pn.personal_parameters():
            p.add_(0.05 * torch.randn(p.shape, generator=gen))
    x, g, r = _pam_data()
    return Profile(user=user, base_model_id=NIMA_MOBILENET_AVA.model_id, base_sha256=NIMA_MOBILENET_AVA.sha256,
                   personal_state=personal_state_dict(pn), pam_state=fit_pam(x, g, r).to_state(), n_ratings=8,
                   metrics={"val_spearman": 0.5, "best_epoch": 3})


# -- (a) round trip ------------------------------------------------------------------------------------------
def test_round_trip(base, isolated_profiles):
    profile = make_profile(base)
    path = profile_path("ann")
    assert path.parent == isolated_profiles == profiles_dir()
    save_profile(profile, path)  # creates the folder
    loaded = load_profile(path, NIMA_MOBILENET_AVA)
    assert (loaded.user, loaded.base_model_id, loaded.base_sha256, loaded.n_ratings) == (
        "ann", NIMA_MOBILENET_AVA.model_id, NIMA_MOBILENET_AVA.sha256, 8)
    assert loaded.metrics == {"val_spearman": 0.5, "best_epoch": 3.0}
    assert loaded.updated == pytest.approx(profile.updated)
    assert loaded.personal_state.keys() == profile.personal_state.keys()
    assert all(torch.equal(loaded.personal_state[k], v) for k, v in profile.personal_state.items())
    # Both personal models come back working, exactly.
    x, g, _ = _pam_data()
    assert np.array_equal(PAMModel.from_state(loaded.pam_state).predict(x, g),
                          PAMModel.from_state(profile.pam_state).predict(x, g))
    pn = PersonalNet(base)
    load_personal_state(pn, loaded.personal_state)
    assert torch.equal(pn.shift.detach(), profile.personal_state["shift"])
    assert load_profile(path).user == "ann"  # no base given: no model check
    assert os.listdir(isolated_profiles) == [path.name]  # no temporary file left behind


def test_profile_before_training_has_no_personal_state(isolated_profiles):
    path = isolated_profiles / "new.profile.pt"
    save_profile(Profile("new", NIMA_MOBILENET_AVA.model_id, NIMA_MOBILENET_AVA.sha256), path)
    loaded = load_profile(path, NIMA_MOBILENET_AVA)
    assert loaded.personal_state is None and loaded.pam_state is None and loaded.n_ratings == 0


# -- (b) another generic model -------------------------------------------------------------------------------
def test_profile_of_another_generic_model_is_refused(base, isolated_profiles):
    path = isolated_profiles / "ann.profile.pt"
    save_profile(make_profile(base), path)
    with pytest.raises(ProfileError) as info:
        load_profile(path, OTHER_MODEL)
    message = str(info.value)
    assert OTHER_MODEL.model_id in message and NIMA_MOBILENET_AVA.model_id in message
    assert str(path) in message and "retrain" in message
    # Same name, other weights: refused too (the sha256 decides, not the name).
    retrained = WeightsSpec(name=NIMA_MOBILENET_AVA.name, filename="x.pt", sha256="cd" * 32)
    with pytest.raises(ProfileError):
        load_profile(path, retrained)


# -- (c) damaged files ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("damage", ["truncated", "empty", "garbage"])
def test_damaged_profile_is_refused(base, isolated_profiles, damage):
    path = isolated_profiles / "ann.profile.pt"
    save_profile(make_profile(base), path)
    data = path.read_bytes()
    path.write_bytes({"truncated": data[: len(data) // 2], "empty": b"",
                      "garbage": os.urandom(4096)}[damage])
    with pytest.raises(ProfileError, match="damaged") as info:
        load_profile(path, NIMA_MOBILENET_AVA)
    assert str(path) in str(info.value)


def test_missing_profile_is_a_profile_error(isolated_profiles):
    with pytest.raises(ProfileError, match="no profile"):
        load_profile(isolated_profiles / "nobody.profile.pt", NIMA_MOBILENET_AVA)


# -- (d) a profile that would run code -----------------------------------------------------------------------
class RunsShellCommand:
    """Unpickling calls os.system: the classic malicious pickle."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {shlex.quote(str(self.marker))}",)


class WritesOnUnpickle:
    """A class of this test module whose ``__setstate__`` writes a file when unpickled."""

    def __init__(self, marker: Path):
        self.marker = str(marker)

    def __setstate__(self, state):
        Path(state["marker"]).write_text("pwned")
        self.__dict__.update(state)


def _profile_like(payload) -> dict:
    return {"format": FORMAT, "version": 1, "user": "mallory", "base_model_id": NIMA_MOBILENET_AVA.model_id,
            "base_sha256": NIMA_MOBILENET_AVA.sha256, "personal_state": None, "pam_state": payload,
            "n_ratings": 5, "metrics": {}, "updated": 0.0}


@pytest.mark.parametrize("payload_kind", [RunsShellCommand, WritesOnUnpickle])
@pytest.mark.parametrize("container", ["torch.save profile", "torch.save bare", "plain pickle"])
def test_profile_that_would_run_code_is_refused_and_nothing_runs(tmp_path, isolated_profiles, payload_kind,
                                                                 container):
    marker = tmp_path / "pwned"
    payload = payload_kind(marker)
    path = isolated_profiles / "mallory.profile.pt"
    path.parent.mkdir(parents=True)
    with open(path, "wb") as fh:
        if container == "torch.save profile":
            torch.save(_profile_like(payload), fh)
        elif container == "torch.save bare":
            torch.save(payload, fh)
        else:
            pickle.dump(_profile_like(payload), fh, protocol=2)
    assert not marker.exists()
    with pytest.raises(ProfileError) as info:
        load_profile(path, NIMA_MOBILENET_AVA)
    assert str(path) in str(info.value)
    assert not marker.exists(), "loading a profile ran code from the file"
    # The file is a real threat: an unsafe load does run it.
    if container == "plain pickle":
        with open(path, "rb") as fh:
            pickle.load(fh)
    else:
        torch.load(path, weights_only=False)
    assert marker.exists()


# -- (e) valid torch files that are not profiles -------------------------------------------------------------
@pytest.mark.parametrize("content", [
    {"conv.weight": torch.zeros(3, 3)},
    [torch.zeros(2)],
    {"format": "some-other-app", "user": "ann"},
])
def test_torch_file_that_is_not_a_profile_is_refused(isolated_profiles, content):
    path = isolated_profiles / "ann.profile.pt"
    path.parent.mkdir(parents=True)
    torch.save(content, path)
    with pytest.raises(ProfileError, match="not an Aesthetic Curator profile"):
        load_profile(path, NIMA_MOBILENET_AVA)


def test_profile_from_a_newer_release_is_refused(isolated_profiles):
    path = isolated_profiles / "ann.profile.pt"
    path.parent.mkdir(parents=True)
    torch.save({**_profile_like(None), "version": 99}, path)
    with pytest.raises(ProfileError, match="newer release"):
        load_profile(path, NIMA_MOBILENET_AVA)


def test_malformed_personal_state_is_refused(isolated_profiles):
    path = isolated_profiles / "ann.profile.pt"
    path.parent.mkdir(parents=True)
    torch.save({**_profile_like(None), "personal_state": {"net.head.weight": "not a tensor"}}, path)
    with pytest.raises(ProfileError, match="malformed"):
        load_profile(path, NIMA_MOBILENET_AVA)


@pytest.mark.parametrize("missing", ["user", "base_model_id", "metrics"])
def test_profile_missing_fields_is_a_profile_error(isolated_profiles, missing):
    """A file that claims to be a profile but lacks a field is damaged: a ProfileError, not a KeyError."""
    content = _profile_like(None)
    if missing == "metrics":
        content["metrics"] = 3.5  # not a mapping
    else:
        del content[missing]
    path = isolated_profiles / "ann.profile.pt"
    path.parent.mkdir(parents=True)
    torch.save(content, path)
    with pytest.raises(ProfileError):
        load_profile(path, NIMA_MOBILENET_AVA)


# -- (f) atomic save -----------------------------------------------------------------------------------------
class InterruptsPickling:
    """Ctrl-C arriving while the profile is being written."""

    def __reduce__(self):
        raise KeyboardInterrupt


@pytest.mark.parametrize("poison, error", [(lambda: 0, Exception), (InterruptsPickling(), KeyboardInterrupt)],
                         ids=["unpicklable", "interrupted"])
def test_failed_save_keeps_the_previous_profile(base, isolated_profiles, poison, error):
    path = isolated_profiles / "ann.profile.pt"
    save_profile(make_profile(base), path)
    before = path.read_bytes()
    broken = make_profile(base)
    broken.pam_state = {"padding": torch.zeros(100_000), "poison": poison}  # fails after the tensors
    with pytest.raises(error):
        save_profile(broken, path)
    assert path.read_bytes() == before
    assert os.listdir(isolated_profiles) == [path.name]
    load_profile(path, NIMA_MOBILENET_AVA)  # still a good profile


def test_failed_first_save_leaves_nothing(base, isolated_profiles):
    path = isolated_profiles / "ann.profile.pt"
    broken = make_profile(base)
    broken.pam_state = {"poison": lambda: 0}
    with pytest.raises(Exception):  # noqa: B017 - whatever pickling raises, the folder must stay clean
        save_profile(broken, path)
    assert os.listdir(isolated_profiles) == []


# -- file names ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("user", ["../../etc/passwd", "/absolute", "a\\b", "..", "   ", "Zoë", "con:1?*"])
def test_any_user_name_gives_a_file_inside_the_profiles_folder(isolated_profiles, user):
    path = profile_path(user)
    assert path.parent == isolated_profiles
    assert path.name.endswith(".profile.pt") and not path.name.startswith(".")
    assert "/" not in path.name and "\\" not in path.name and ":" not in path.name
    save_profile(Profile(user, NIMA_MOBILENET_AVA.model_id, NIMA_MOBILENET_AVA.sha256), path)
    assert load_profile(path).user == user


def test_profile_path_follows_the_environment_and_an_explicit_folder(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "elsewhere"))
    assert profile_path("ann").parent == tmp_path / "elsewhere"
    assert profile_path("ann", tmp_path / "mine").parent == tmp_path / "mine"
    assert profile_path("ann").name.startswith("ann") and profile_path("ann").name.endswith(".profile.pt")


@pytest.mark.parametrize("a, b", [("Zoë & Max", "Zoë + Max"), ("anna maria", "anna_maria"), ("a/b", "a b")])
def test_different_users_never_share_a_profile_file(a, b):
    """One file per user: training one user must never overwrite another user's profile."""
    assert profile_path(a) != profile_path(b)
