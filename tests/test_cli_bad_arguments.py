"""Every sub-command, given wrong arguments, says what is wrong in one line and exits non-zero.

The table is what a new user typed (issue 12) plus a wrong value for every other option that
takes one. A case fails on any traceback (an exception out of ``main``), on exit status 0 (a
silent success), on a message that does not say what was wrong, and on any change to the album:
a refused command must not have touched the photos.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PIL import Image

from aesthetic_curator.catalog import Catalog
from aesthetic_curator.cli import main
from aesthetic_curator.personal.service import rate_files

#: (arguments, words the message must hold, exit status). In the arguments, ALBUM is a folder of
#: three photos, PHOTO one of them, FAKE a text file named .jpg, TEXT a text file, BINARY a file
#: of random bytes, RAW a file named .CR3, EMPTY an empty folder, OUT a free file name in a folder that exists and
#: NODIR a folder that does not. The catalog knows one user, "ana", with one rating.
CASES: list[tuple[str, str, int]] = [
    # score (and the scan options every album command shares)
    ("score ALBUM --model resnet18 --checkpoint NODIR/missing.pt", "no such file", 2),
    ("score ALBUM --model resnet18", "--checkpoint", 2),
    ("score ALBUM --device tpu", "unknown device 'tpu'", 2),
    ("score ALBUM --batch-size 0", "must be 1 to 4096, not 0", 2),
    ("score ALBUM --batch-size -4", "must be 1 to 4096, not -4", 2),
    ("score ALBUM --batch-size many", "not a whole number", 2),
    ("score ALBUM --workers 0", "must be 1 to 64", 2),
    ("score ALBUM --top -3", "must be 1 or more, not -3", 2),
    ("score NODIR", "no such folder or file", 2),
    ("score ALBUM --user nobody", "no user named 'nobody'", 2),
    ("score ALBUM --users ana,nobody", "no user named 'nobody'", 2),
    ("score ALBUM --users ana,all", "'all' stands alone", 2),
    ("score ALBUM --users ana,", "a user needs a name", 2),
    ("score ALBUM --user ana --users ana", "not allowed with", 2),
    ("score ALBUM --user ' '", "a user needs a name", 2),
    ("score ALBUM --user ana --model resnet18 --checkpoint FAKE", "learnt on the default model", 2),
    ("score ALBUM --json --csv", "not allowed with", 2),
    ("score ALBUM --model vgg", "invalid choice", 2),
    # rate
    ("rate --user ana --csv NODIR/missing.csv", "no such file", 2),
    ("rate --user ana --csv EMPTY", "is a folder", 2),
    ("rate --user ana --csv BINARY", "not a CSV text file", 2),
    ("rate --user ana 4 FAKE", "not a recognised image format", 1),
    ("rate --user ana 4 NODIR/missing.jpg", "No such file", 1),
    ("rate --user ana 9 PHOTO", "'9' is not a rating", 2),
    ("rate --user ana PHOTO", "is not a rating", 2),
    ("rate --user ana 4", "name the photo", 2),
    ("rate --user ana", "nothing to rate", 2),
    ("rate --user '' 4 PHOTO", "a user needs a name", 2),
    ("rate 4 PHOTO", "--user", 2),
    # suggest
    ("suggest ALBUM --user ana -n 0", "must be 1 or more, not 0", 2),
    ("suggest NODIR --user ana", "no such folder or file", 2),
    ("suggest ALBUM --user ana --method best", "invalid choice", 2),
    ("suggest ALBUM --user ana --seed x", "invalid int value", 2),
    # train
    ("train --user nobody", "no user named 'nobody'", 2),
    ("train --user ana --epochs 0", "must be 1 or more, not 0", 2),
    ("train --user ana", "training needs at least 5", 1),  # one rating: not enough to learn from
    ("train --user ana --device cuda:x", "unknown device", 2),
    # saliency
    ("saliency PHOTO NODIR/out.png", "does not exist", 2),
    ("saliency PHOTO EMPTY", "is a folder", 2),
    ("saliency PHOTO OUT --samples 0", "must be 1 to 1000, not 0", 2),
    ("saliency PHOTO EMPTY/map.xyz", "name an image file to write", 2),
    ("enhance RAW", "not a RAW file LibRaw can read", 1),  # random bytes named .CR3: read, and refused
    ("enhance RAW OUT", "16-bit TIFF", 2),  # an edit of a RAW is a TIFF or a JPEG, refused before any work
    ("saliency PHOTO OUT --noise -1", "must be 0 to 1", 2),
    ("saliency NODIR/missing.jpg OUT", "no such file", 2),
    ("saliency FAKE OUT", "not a recognised image format", 1),
    ("saliency PHOTO PHOTO", "exists", 2),
    ("saliency PHOTO PHOTO --force", "replace the photo itself", 2),
    ("saliency PHOTO OUT --user nobody", "no user named 'nobody'", 2),
    # enhance
    ("enhance PHOTO --mode fgsm --epsilon -5", "must be more than 0, not -5", 2),
    ("enhance PHOTO --mode fgsm --epsilon nan", "not a finite number", 2),
    ("enhance PHOTO --mode fgsm --steps 0", "must be 1 to 100", 2),
    ("enhance PHOTO --strength 7", "must be 0 to 1, not 7", 2),
    ("enhance PHOTO --mode sharpen", "invalid choice", 2),
    ("enhance NODIR/missing.jpg", "no such file", 2),
    ("enhance PHOTO NODIR/out.jpg", "does not exist", 2),
    ("enhance PHOTO PHOTO", "replace the photo itself", 2),
    ("enhance FAKE", "not a recognised image format", 1),
    ("enhance PHOTO --user nobody", "no user named 'nobody'", 2),
    ("enhance PHOTO --user ana", "has no personal score yet", 2),  # her one rated photo was never scanned
    # eval
    ("eval flickr-aes NODIR", "no such folder", 2),
    ("eval flickr-aes EMPTY", "not found: point at the FLICKR-AES folder", 2),
    ("eval flickr-aes EMPTY --test-workers NODIR/w.csv", "no such file", 2),
    ("eval flickr-aes EMPTY --max-workers 0", "must be 1 or more", 2),
    ("eval simulate --album NODIR", "no such folder", 2),
    ("eval simulate --album EMPTY", "no photos in", 2),
    ("eval simulate --album ALBUM --variants 0", "must be 1 or more", 2),
    ("eval simulate --album ALBUM --k 0", "must be 1 or more", 2),
    ("eval simulate --album ALBUM --trials -1", "must be 1 or more", 2),
    ("eval simulate --album ALBUM --noise -1", "must be 0 or more", 2),
    ("eval simulate --album ALBUM --out NODIR/r.json", "does not exist", 2),
    ("eval", "PROTOCOL", 2),
    # groups
    ("groups NODIR", "no such folder or file", 2),
    ("groups ALBUM --keep-best", "give --user", 2),
    ("groups ALBUM --user nobody", "no user named 'nobody'", 2),
    # xmp
    ("xmp write ALBUM --user nobody", "no user named 'nobody'", 2),
    ("xmp write ALBUM --user ana --style bridge", "invalid choice", 2),
    ("xmp write ALBUM", "--user", 2),
    ("xmp import NODIR --user ana", "no such folder or file", 2),
    ("xmp", "ACTION", 2),
    # export
    ("export ALBUM PHOTO --top 1", "is a file, not a folder", 2),
    ("export ALBUM EMPTY --top 1 --pairs both,raw", "invalid choice", 2),
    ("export ALBUM ALBUM --top 1", "the album itself", 2),
    ("export ALBUM EMPTY --top -3", "must be 1 or more, not -3", 2),
    ("export ALBUM EMPTY --min-stars 9 --user ana", "must be 1 to 5, not 9", 2),
    ("export ALBUM EMPTY --picks", "give --user", 2),
    ("export ALBUM EMPTY --picks --user nobody", "no user named 'nobody'", 2),
    ("export ALBUM EMPTY", "one of the arguments", 2),
    ("export ALBUM EMPTY --top 1 --report NODIR/report.csv", "does not exist", 2),
    ("export ALBUM EMPTY --top 1 --sidecars bridge", "invalid choice", 2),
    # desktop
    ("desktop", "the following arguments are required: action", 2),
    ("desktop add", "invalid choice", 2),
    # the catalog, the app, and what is not a command
    ("--catalog EMPTY score ALBUM", "catalog", 2),
    ("--catalog BINARY score ALBUM", "catalog", 2),
    ("NODIR", "is not a folder of photos", 2),
    ("frobnicate ALBUM", "invalid choice", 2),
]


@pytest.fixture(scope="module")
def places(tmp_path_factory: pytest.TempPathFactory, kodak_paths: list[Path]) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("bad-arguments")
    album = root / "album"
    album.mkdir()
    for p in kodak_paths[:3]:
        with Image.open(p) as im:
            im.convert("RGB").resize((96, 64)).save(album / f"{p.stem}.jpg", quality=90)
    (root / "empty").mkdir()
    (root / "fake.jpg").write_text("this is a text file, not a photo\n")
    (root / "notes.txt").write_text("path,rating\n")
    (root / "random.bin").write_bytes(os.urandom(4096))
    (root / "shot.CR3").write_bytes(os.urandom(4096))  # named as a RAW, not one: LibRaw refuses it
    return {"ALBUM": album, "PHOTO": album / f"{kodak_paths[0].stem}.jpg", "FAKE": root / "fake.jpg",
            "TEXT": root / "notes.txt", "BINARY": root / "random.bin", "EMPTY": root / "empty",
            "OUT": root / "out.png", "NODIR": root / "no-such-folder", "RAW": root / "shot.CR3"}


def argv_of(case: str, places: dict[str, Path]) -> list[str]:
    import shlex

    words = shlex.split(case)
    out = []
    for w in words:
        head, _, tail = w.partition("/")
        if head in places:
            w = str(places[head] / tail) if tail else str(places[head])
        out.append(w)
    return out


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(folder.rglob("*"))}


@pytest.mark.parametrize("case, says, status", CASES, ids=[c[0] for c in CASES])
def test_wrong_arguments_get_one_clear_line_and_nothing_changes(case, says, status, places, tmp_path, capsys):
    catalog = tmp_path / "catalog.sqlite3"
    with Catalog(catalog) as cat:
        rate_files(cat, "ana", [(places["PHOTO"], 4.0)])
    before = {name: snapshot(places[name]) for name in ("ALBUM", "EMPTY")}
    argv = argv_of(case, places)
    if argv[0] != "--catalog" and len(argv) > 1:  # one word alone opens the app (or says why not)
        argv = ["--catalog", str(catalog), *argv]
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's refusal
        code = exc.code
    err = capsys.readouterr().err
    assert code == status, f"exit {code}, stderr: {err}"
    assert "Traceback" not in err
    assert says in err, err
    assert "error" in err or "skipped" in err, err
    assert {name: snapshot(places[name]) for name in ("ALBUM", "EMPTY")} == before
    assert not places["OUT"].exists()
    assert not places["NODIR"].exists()


def test_every_sub_command_has_a_case():
    from aesthetic_curator.cli import build_parser

    commands = build_parser().command_names  # type: ignore[attr-defined]
    tried = {case.split()[0] for case, _, _ in CASES}
    assert commands <= tried, f"no wrong-argument case for {sorted(commands - tried)}"
