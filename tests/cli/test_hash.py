from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.cli.conftest import Cli


def test_hash_json_gives_signals_and_quality(
    cli: Cli, make_files: Callable[..., list[Path]]
) -> None:
    (f,) = make_files(1)
    (line,) = cli.json_lines("hash", str(f))
    assert line["path"] == str(f)
    assert line["content_type"] == "photo"
    signals = line["signals"]
    assert isinstance(signals, dict)
    assert set(signals) == {"pdq", "md5", "sha256"}
    assert len(signals["pdq"]) == 64 and len(signals["md5"]) == 32 and len(signals["sha256"]) == 64
    quality = line["quality"]
    assert isinstance(quality, dict) and 0 <= quality["pdq"] <= 100


def test_hash_walks_directories_and_reports_every_failure_then_exits_1(
    cli: Cli, make_files: Callable[..., list[Path]], tmp_path: Path
) -> None:
    files = make_files(5)
    (tmp_path / "files" / "notes.txt").write_text("not a picture")
    (tmp_path / "files" / "cut.jpg").write_bytes(files[0].read_bytes()[:300])
    lines = cli.json_lines("hash", str(tmp_path / "files"), str(tmp_path / "missing.jpg"), ok=False)
    by_name = {Path(str(line["path"])).name: line for line in lines}
    assert len(lines) == 8
    assert all("signals" in by_name[f.name] for f in files)
    assert by_name["notes.txt"]["reason"] == "not_an_image"
    assert by_name["cut.jpg"]["reason"] == "truncated"
    assert by_name["missing.jpg"]["reason"] == "not_found"


def test_hash_in_parallel_matches_hash_one_by_one(
    cli: Cli, make_files: Callable[..., list[Path]]
) -> None:
    files = make_files(6)
    together = cli.json_lines("hash", "--workers", "2", *map(str, files))
    alone = [cli.json_lines("hash", "--workers", "1", str(f))[0] for f in files]
    assert together == alone


def test_unknown_signal_type_is_a_usage_error(
    cli: Cli, make_files: Callable[..., list[Path]]
) -> None:
    (f,) = make_files(1)
    code, _out, err = cli("hash", "--signal", "photodna", str(f), ok=False)
    assert code == 2
    assert "photodna" in err


def test_all_frames_hashes_each_frame_of_an_animation(
    cli: Cli, make_files: Callable[..., list[Path]], tmp_path: Path
) -> None:
    from PIL import Image

    frames = [Image.open(f).convert("RGB") for f in make_files(3)]
    gif = tmp_path / "anim.gif"
    frames[0].save(gif, save_all=True, append_images=frames[1:], duration=100)
    (line,) = cli.json_lines("hash", "--all-frames", str(gif))
    assert line["frame_count"] == 3
    per_frame = [f["pdq"] for f in line["frames"]]  # type: ignore[union-attr]
    assert per_frame[0] == line["signals"]["pdq"]  # type: ignore[index]
    assert len(set(per_frame)) == 3
    assert list(line["signals"]) == ["pdq", "md5", "sha256"]  # type: ignore[arg-type]
