from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from childsafe.cli.app import app


class Cli:
    def __init__(self, home: Path) -> None:
        self.home = home
        self.runner = CliRunner()

    def __call__(self, *args: str, ok: bool | None = True) -> tuple[int, str, str]:
        r = self.runner.invoke(app, ["--home", str(self.home), *args])
        if r.exception and not isinstance(r.exception, SystemExit):
            raise r.exception
        if ok is True:
            assert r.exit_code == 0, r.output + r.stderr
        elif ok is False:
            assert r.exit_code != 0, r.output
        return r.exit_code, r.stdout, r.stderr

    def json_lines(self, *args: str, ok: bool | None = True) -> list[dict[str, object]]:
        _, out, _ = self(*args, "--json", ok=ok)
        return [json.loads(line) for line in out.splitlines() if line.strip()]


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "home")


@pytest.fixture
def make_files(tmp_path: Path) -> Callable[..., list[Path]]:
    from tests.factories.images import write_shapes

    def make(n: int, folder: str = "files", start: int = 0) -> list[Path]:
        d = tmp_path / folder
        d.mkdir(exist_ok=True)
        return [write_shapes(d / f"img{start + i}.jpg", start + i) for i in range(n)]

    return make
