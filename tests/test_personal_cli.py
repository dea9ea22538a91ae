"""The personal commands as a user runs them: rate, suggest, train, and score --user."""

from __future__ import annotations

import json
import math
import os
import shutil

import pytest
from PIL import Image

from aesthetic_curator.catalog import Catalog
from aesthetic_curator.cli import main
from aesthetic_curator.models import NIMA_MOBILENET_AVA
from aesthetic_curator.personal.profile import Profile, load_profile, profile_path, save_profile
from aesthetic_curator.personal.service import rated_photos


@pytest.fixture()
def album(tmp_path, kodak_paths):
    """Nine Kodak photos downscaled to 192 px JPEGs: a small album that scores in about a second."""
    root = tmp_path / "album"
    root.mkdir()
    for i, src in enumerate(kodak_paths[:9]):
        Image.open(src).convert("RGB").resize((192, 192), Image.Resampling.BILINEAR).save(
            root / f"photo{i}.jpg", quality=90)
    return root


def photos(root):
    return sorted(root.glob("*.jpg"))


def run(capsys, *args):
    rc = main([str(a) for a in args])
    captured = capsys.readouterr()
    return rc, captured.out, captured.err


def ratings_by_path(user, paths):
    with Catalog() as catalog:
        ids = {catalog.photo_id_for_file(p): p.name for p in paths}
        return {ids[pid]: stars for pid, stars in catalog.ratings(user).items()}


def assert_personal_scores(doc, n):
    personal = [r["personal"] for r in doc["results"]]
    assert len(personal) == n
    assert all(math.isfinite(v) for v in personal)
    assert personal == sorted(personal, reverse=True)  # a user asking for their scores gets them first


# -- rate ----------------------------------------------------------------------------------------------------
def test_rate_with_stars_and_csv(album, capsys):
    p = photos(album)
    rc, _, err = run(capsys, "rate", "--user", "ann", "4", p[0], p[1])
    assert rc == 0, err
    assert "2 rating(s) recorded for ann; 2 in all" in err

    csv_file = album / "ratings.csv"
    csv_file.write_text(
        "path,rating\n"
        "photo2.jpg,3\n"  # relative to the CSV's folder
        f"{p[3]},5\n"
        "photo4.jpg,seven\n"  # line 4: not a rating
        "photo5.jpg\n"  # line 5: no rating column
        "gone.jpg,2\n"  # a file that does not exist
        "notes.txt,3\n"  # not a photo
        "photo1.jpg,0\n"  # 0 clears an earlier rating
    )
    (album / "notes.txt").write_text("not a photo")
    rc, _, err = run(capsys, "rate", "--user", "ann", "--csv", csv_file)
    assert rc == 0, err
    assert f"{csv_file}:4" in err and "not a rating" in err
    assert f"{csv_file}:5" in err and "expected 'path,rating'" in err
    assert f"{album / 'gone.jpg'}: No such file" in err
    assert f"{album / 'notes.txt'}: not a photo file type" in err
    assert "3 rating(s) recorded for ann; 3 in all" in err
    assert ratings_by_path("ann", p) == {"photo0.jpg": 4, "photo2.jpg": 3, "photo3.jpg": 5}


def test_rate_refuses_a_bad_star_count_and_records_nothing(album, capsys):
    p = photos(album)
    rc, _, err = run(capsys, "rate", "--user", "ann", "7", p[0])
    assert rc == 2 and "not a rating" in err
    rc, _, err = run(capsys, "rate", "--user", "ann", "4")
    assert rc == 2 and "name the photo" in err
    rc, _, err = run(capsys, "rate", "--user", "ann", "3", album / "missing.jpg")
    assert rc == 1 and "missing.jpg" in err
    assert ratings_by_path("ann", p) == {}


def test_rating_follows_the_photo_when_it_is_moved_and_renamed(album, tmp_path, capsys):
    p = photos(album)
    assert run(capsys, "rate", "--user", "ann", "5", p[0])[0] == 0
    moved = tmp_path / "best of" / "holiday 2024 ★.jpg"
    moved.parent.mkdir()
    shutil.move(p[0], moved)
    rc, out, err = run(capsys, "score", moved.parent, "--user", "ann", "--json", "-q")
    assert rc == 0, err
    doc = json.loads(out)
    assert doc["personal_source"] == "generic" and len(doc["results"]) == 1  # one rating teaches no taste
    assert doc["results"][0]["path"] == str(moved)
    with Catalog() as catalog:
        rated = rated_photos(catalog, "ann")
    assert rated.paths == [moved] and list(rated.ratings) == [5.0]


# -- suggest -------------------------------------------------------------------------------------------------
def test_suggest_json_gives_unrated_album_photos(album, capsys):
    p = photos(album)
    assert run(capsys, "rate", "--user", "ann", "5", p[0])[0] == 0
    assert run(capsys, "rate", "--user", "ann", "2", p[1])[0] == 0
    rc, out, err = run(capsys, "suggest", album, "--user", "ann", "--json", "-n", "5", "--seed", "0", "-q")
    assert rc == 0, err
    doc = json.loads(out)
    assert doc["user"] == "ann" and doc["ratings_so_far"] == 2
    picks = doc["suggestions"]
    assert len(picks) == 5 and len(set(picks)) == 5
    assert set(picks) <= {str(x) for x in p[2:]}
    # The same seed gives the same suggestions.
    assert json.loads(run(capsys, "suggest", album, "--user", "ann", "--json", "-n", "5", "--seed", "0", "-q")[1]
                      )["suggestions"] == picks
    # Asking for more than is left gives every unrated photo, and still no rated one.
    rc, out, _ = run(capsys, "suggest", album, "--user", "ann", "--json", "-n", "50", "--seed", "0", "-q")
    assert rc == 0 and sorted(json.loads(out)["suggestions"]) == [str(x) for x in p[2:]]


@pytest.mark.parametrize("copy_name", ["photo0 copy.jpg", "zz copy.jpg"])  # sorting before / after the original
def test_suggest_never_offers_a_copy_of_a_rated_photo(album, capsys, copy_name):
    """Ratings follow a photo's content: a second copy of a rated photo in the album is rated too."""
    p = photos(album)
    copy = album / copy_name
    shutil.copy2(p[0], copy)
    assert run(capsys, "rate", "--user", "ann", "5", p[0])[0] == 0
    rc, out, err = run(capsys, "suggest", album, "--user", "ann", "--json", "-n", "50", "--seed", "0", "-q")
    assert rc == 0, err
    picks = set(json.loads(out)["suggestions"])
    assert str(p[0]) not in picks, "the rated photo itself was suggested for rating"
    assert str(copy) not in picks, "a copy of a rated photo was suggested for rating"
    assert picks == {str(x) for x in p[1:]}


# -- score --user --------------------------------------------------------------------------------------------
def test_score_user_gives_stars_in_the_generic_order_and_says_so_until_a_taste_is_learnt(album, capsys):
    p = photos(album)
    for stars, photo in zip(("1", "3", "5"), p, strict=False):
        assert run(capsys, "rate", "--user", "ann", stars, photo)[0] == 0
    rc, out, err = run(capsys, "score", album, "--user", "ann", "--json", "-q")
    assert rc == 0, err
    doc = json.loads(out)
    assert doc["user"] == "ann" and doc["personal_source"] == "generic"
    assert doc["agreement"]["n_ratings"] == 3 and doc["agreement"]["method"] == "generic"
    assert "too few to learn your taste" in err and "Rate at least 5" in err
    assert_personal_scores(doc, 9)
    order = [r["path"] for r in doc["results"]]
    assert order == [r["path"] for r in sorted(doc["results"], key=lambda r: -r["mean"])]
    assert all(1 <= r["personal"] <= 5 for r in doc["results"])
    assert {r["path"] for r in doc["results"]} == {str(x) for x in p}

    rc, out, _ = run(capsys, "score", album, "--json", "-q")
    plain = json.loads(out)
    assert rc == 0 and "personal_source" not in plain and all("personal" not in r for r in plain["results"])

    rc, out, err = run(capsys, "score", album, "--user", "nobody", "--json", "-q")  # a typo, most likely
    assert rc == 2 and out == "" and "no user named 'nobody' in the catalog; users: ann" in err


# -- train ---------------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_train_needs_five_ratings_then_judges_the_adapters_on_ratings_they_did_not_see(album, capsys,
                                                                                       isolated_profiles):
    p = photos(album)
    for stars, photo in zip((1, 2, 4, 5), p, strict=False):
        assert run(capsys, "rate", "--user", "ann", stars, photo)[0] == 0
    rc, _, err = run(capsys, "train", "--user", "ann", "--epochs", "1", "-q")
    assert rc == 1
    assert "4 usable rating" in err and "at least 5" in err
    assert not profile_path("ann").exists()

    assert run(capsys, "rate", "--user", "ann", "3", p[4], p[5])[0] == 0
    rc, _, err = run(capsys, "train", "--user", "ann", "--epochs", "1", "-q")
    assert rc == 0, err
    path = profile_path("ann")
    assert path.parent == isolated_profiles and path.is_file()
    assert f"profile: {path}" in err and "trained ann on 6 ratings" in err
    assert "From your 6 ratings" in err  # and, in plain words, which score ann now sees
    profile = load_profile(path, NIMA_MOBILENET_AVA)
    assert profile.n_ratings == 6 and len(profile.oof) == 6  # every rating predicted by a network that missed it

    from aesthetic_curator.personal.service import load_user_profile, user_taste
    from aesthetic_curator.personal.taste import describe

    with Catalog() as catalog:  # the figures the CLI printed, computed directly
        direct, _ = user_taste(catalog, "ann", profile=load_user_profile("ann"))
    assert describe(direct.agreement) in err

    rc, out, err = run(capsys, "score", album, "--user", "ann", "--json", "-q")
    assert rc == 0, err
    doc = json.loads(out)
    assert describe(direct.agreement) in err
    assert doc["agreement"]["personal"] == pytest.approx(direct.agreement.personal)
    assert doc["agreement"]["generic"] == pytest.approx(direct.agreement.generic)
    assert "adapters" in doc["agreement"]["candidates"]  # judged beside the cheap learners
    assert doc["personal_source"] == doc["agreement"]["method"]
    assert_personal_scores(doc, 9)
    assert not doc["skipped"]
    assert os.listdir(isolated_profiles) == [path.name]

    # enhance follows the score ann is given (the generic one while nothing learnt beats it), leads with its
    # figures, and shows what the edit did to the other score too
    rc, out, err = run(capsys, "enhance", p[0], album / "ann-edit.jpg", "--user", "ann")
    assert rc == 0, err
    line = out.splitlines()[0]
    followed = "generic score: " if doc["personal_source"] == "generic" else "ann's predicted stars: "
    assert line.startswith(followed) and "generic score: " in line and "ann's predicted stars: " in line
    before, after = (float(v) for v in line.split(";")[0].split(": ")[1].split(" -> "))
    assert after > before and (album / "ann-edit.jpg").is_file()


def test_score_user_reports_a_profile_it_cannot_use(album, capsys, isolated_profiles):
    p = photos(album)
    assert run(capsys, "rate", "--user", "ann", "4", p[0])[0] == 0
    path = profile_path("ann")
    path.parent.mkdir(parents=True)
    path.write_bytes(b"PK\x03\x04 this was a profile once")
    rc, _, err = run(capsys, "score", album, "--user", "ann", "--json", "-q")
    assert rc == 2 and "damaged" in err and str(path) in err

    other = Profile("ann", "resnet18-flickr:abababababab:nearest224", "ab" * 32)
    save_profile(other, path)
    rc, _, err = run(capsys, "score", album, "--user", "ann", "--json", "-q")
    assert rc == 2 and "resnet18-flickr" in err and "retrain" in err


def test_adapters_stay_in_the_comparison_for_photos_rated_after_training(album, capsys, isolated_profiles):
    """A photo rated after training was never seen by the final network: its cached prediction is as honest
    as an out-of-fold one, so one more rating does not drop the adapters from the comparison."""
    from aesthetic_curator.models import load_generic
    from aesthetic_curator.personal import service
    from aesthetic_curator.personal.adapters import PersonalNet, load_personal_state
    from aesthetic_curator.scoring import Scorer, score_album

    p = photos(album)
    for stars, photo in zip((1, 2, 4, 5, 3, 2), p, strict=False):
        assert run(capsys, "rate", "--user", "ann", stars, photo)[0] == 0
    assert run(capsys, "train", "--user", "ann", "--epochs", "1", "-q")[0] == 0
    profile = service.load_user_profile("ann")
    pspec = service.personal_spec(profile_path("ann"), NIMA_MOBILENET_AVA)
    network = PersonalNet(load_generic()[0])
    load_personal_state(network, profile.personal_state)
    with Catalog() as catalog:  # the album scanned, and by the adapters as the app does when they are the score
        score_album(album, catalog)
        score_album(p[:7], catalog, scorer=Scorer(network, pspec, device="cpu"), require_look=False)
    assert run(capsys, "rate", "--user", "ann", "5", p[6])[0] == 0
    with Catalog() as catalog:
        taste, _ = service.user_taste(catalog, "ann", profile=profile)
        assert "adapters" in taste.agreement.candidates and taste.agreement.n_ratings == 7
        catalog.set_ratings("ann", [(catalog.photo_id_for_file(p[7]), 4.0)])  # rated, never scanned by the adapters
        taste, _ = service.user_taste(catalog, "ann", profile=profile)
    assert "adapters" not in taste.agreement.candidates  # not on equal terms: they wait for the next training


def test_score_for_many_users_at_once_gives_each_their_own_column(album, capsys):
    """``--users``: every user's score from one scan, each equal to what ``--user`` alone gives them."""
    p = photos(album)
    for user, stars in (("ann", (5, 4, 3, 2, 1, 1)), ("ben", (1, 2, 3, 4, 5, 5))):
        for path, s in zip(p, stars, strict=False):
            assert run(capsys, "rate", "--user", user, str(s), path)[0] == 0
    alone = {}
    for user in ("ann", "ben"):
        rc, out, err = run(capsys, "score", album, "--user", user, "--json", "-q")
        assert rc == 0, err
        alone[user] = {r["path"]: r["personal"] for r in json.loads(out)["results"]}
    rc, out, err = run(capsys, "score", album, "--users", "ann,ben", "--json", "-q")
    assert rc == 0, err
    doc = json.loads(out)
    assert set(doc["users"]) == {"ann", "ben"} and all(doc["users"][u]["personal_source"] for u in ("ann", "ben"))
    for r in doc["results"]:
        assert r["personal"] == {"ann": alone["ann"][r["path"]], "ben": alone["ben"][r["path"]]}
    assert "personal scores of ann" in err and "personal scores of ben" in err
    rc, out, _ = run(capsys, "score", album, "--users", "all", "-q")
    assert rc == 0 and out.splitlines()[0].split()[3:6] == ["ann", "ben", "photo"]
    rc, out, _ = run(capsys, "score", album, "--users", "ann,ben", "--csv", "-q")
    assert out.splitlines()[0].startswith("rank,path,mean,std,personal:ann,personal:ben,p1")
    rc, _, err = run(capsys, "score", album, "--users", "ann,bob", "-q")
    assert rc == 2 and "no user named 'bob'" in err
