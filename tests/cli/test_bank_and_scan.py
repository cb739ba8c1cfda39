"""The CLI workflow a T&S engineer runs: bank files, import lists, scan, export."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageOps

from tests.cli.conftest import Cli

Files = Callable[..., list[Path]]


def _mirror_with_border(src: Path, dst: Path) -> Path:
    with Image.open(src) as im:
        ImageOps.mirror(ImageOps.expand(im, 40, fill=(255, 255, 255))).save(dst, quality=85)
    return dst


def test_banked_files_match_and_others_do_not(cli: Cli, make_files: Files) -> None:
    known = make_files(2, "known")
    other = make_files(3, "other", start=10)
    cli("bank", "create", "known")
    cli("bank", "add", "known", *map(str, known))
    lines = cli.json_lines("scan", *map(str, known + other), ok=None)
    decisions = {Path(str(line["path"])).name: line["decision"] for line in lines}
    assert [decisions[f.name] for f in known] == ["match", "match"]
    assert [decisions[f.name] for f in other] == ["no_match"] * 3
    match = lines[0]["matches"][0]  # type: ignore[index]
    assert match["bank"] == "known" and match["distance"] == 0


def test_scan_exit_status_says_whether_anything_matched(cli: Cli, make_files: Files) -> None:
    known, other = make_files(1, "known")[0], make_files(1, "other", start=5)[0]
    cli("bank", "create", "known")
    cli("bank", "add", "known", str(known))
    assert cli("scan", str(other))[0] == 0
    assert cli("scan", str(known), ok=None)[0] == 3


def test_edited_copies_match_only_banks_that_enable_edit_matching(
    cli: Cli, make_files: Files, tmp_path: Path
) -> None:
    (orig,) = make_files(1, "known")
    edited = _mirror_with_border(orig, tmp_path / "edited.jpg")
    cli("bank", "create", "plain")
    cli("bank", "create", "edits", "--match-edits")
    cli("bank", "add", "plain", str(orig))
    cli("bank", "add", "edits", str(orig))
    (line,) = cli.json_lines("scan", str(edited), ok=None)
    banks = {m["bank"] for m in line["matches"]}  # type: ignore[union-attr]
    assert banks == {"edits"}
    (m,) = line["matches"]  # type: ignore[misc]
    assert "dihedral" in m["query_variant"]


def test_allowlist_suppresses_a_block_match(cli: Cli, make_files: Files) -> None:
    (f,) = make_files(1)
    cli("bank", "create", "bad")
    cli("bank", "create", "ours", "--action", "allow")
    cli("bank", "add", "bad", str(f))
    cli("bank", "add", "ours", str(f))
    (line,) = cli.json_lines("scan", str(f))
    assert line["decision"] == "no_match"
    assert {m["bank"] for m in line["matches"]} == {"bad", "ours"}  # type: ignore[union-attr]


def test_scan_against_named_banks_only(cli: Cli, make_files: Files) -> None:
    a, b = make_files(2)
    cli("bank", "create", "a")
    cli("bank", "create", "b")
    cli("bank", "add", "a", str(a))
    cli("bank", "add", "b", str(b))
    lines = cli.json_lines("scan", "--bank", "b", str(a), str(b), ok=None)
    assert [line["decision"] for line in lines] == ["no_match", "match"]
    code, _, err = cli("scan", "--bank", "nope", str(a), ok=False)
    assert code == 2 and "nope" in err


def test_import_keeps_good_lines_and_reports_bad_ones_by_number(
    cli: Cli, make_files: Files, tmp_path: Path
) -> None:
    (f,) = make_files(1)
    (h,) = cli.json_lines("hash", str(f))
    pdq = h["signals"]["pdq"]  # type: ignore[index]
    listing = tmp_path / "list.txt"
    listing.write_text(f"{pdq}\nnot-a-hash\n{'0' * 63}\n")
    cli("bank", "create", "imported")
    code, _, err = cli("bank", "import", "imported", str(listing), "-t", "pdq", ok=False)
    assert code == 1
    assert "line 2" in err and "line 3" in err
    assert "1 added" in err
    (line,) = cli.json_lines("scan", str(f), ok=None)
    assert line["decision"] == "match"


def test_export_round_trips_through_import(cli: Cli, make_files: Files, tmp_path: Path) -> None:
    files = make_files(3)
    cli("bank", "create", "src")
    cli("bank", "add", "src", *map(str, files))
    out = tmp_path / "src.csv"
    cli("bank", "export", "src", "-o", str(out))
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert {r["signal_type"] for r in rows} == {"pdq", "md5", "sha256"}
    assert len(rows) == 9
    cli("bank", "create", "copy")
    cli("bank", "import", "copy", str(out))
    (listed_copy,) = [b for b in cli.json_lines("bank", "list") if b["name"] == "copy"]
    assert listed_copy["entries"] == 9  # one entry per imported line


def test_disabled_entry_stops_matching_and_comes_back(cli: Cli, make_files: Files) -> None:
    (f,) = make_files(1)
    cli("bank", "create", "k")
    cli("bank", "add", "k", str(f))
    (line,) = cli.json_lines("scan", str(f), ok=None)
    entry = line["matches"][0]["entry_id"]  # type: ignore[index]
    cli("bank", "disable-entry", str(entry))
    assert cli.json_lines("scan", str(f))[0]["decision"] == "no_match"
    cli("bank", "enable-entry", str(entry))
    assert cli.json_lines("scan", str(f), ok=None)[0]["decision"] == "match"


def test_bad_bank_settings_get_clear_errors(cli: Cli) -> None:
    code, _, err = cli("bank", "create", "bad name!", ok=False)
    assert code == 2 and "invalid bank name" in err
    code, _, err = cli("bank", "create", "x", "--action", "quarantine", ok=False)
    assert code == 2 and "quarantine" in err
    cli("bank", "create", "x")
    code, _, err = cli("bank", "create", "x", ok=False)
    assert "already exists" in err


def test_demo_blocks_altered_copies_and_allows_unrelated(cli: Cli) -> None:
    _, out, _ = cli("demo")
    rows = [r for r in out.splitlines() if "known-" in r or "unrelated-" in r]
    assert len(rows) == 15
    assert all("block" in r for r in rows if "known-" in r)
    assert all("allow" in r for r in rows if "unrelated-" in r)


def test_a_banked_picture_in_a_later_gif_frame_matches_with_all_frames(
    cli: Cli, make_files: Files, tmp_path: Path
) -> None:
    first, known = make_files(2)
    cli("bank", "create", "k")
    cli("bank", "add", "k", str(known))
    frames = [Image.open(first).convert("RGB"), Image.open(known).convert("RGB")]
    gif = tmp_path / "anim.gif"
    frames[0].save(gif, save_all=True, append_images=frames[1:], duration=100)
    assert cli.json_lines("scan", str(gif))[0]["decision"] == "no_match"
    (line,) = cli.json_lines("scan", "--all-frames", str(gif), ok=None)
    assert line["decision"] == "match"
    assert line["matches"][0]["query_variant"] == "frame:1"  # type: ignore[index]
