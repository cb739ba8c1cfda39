from __future__ import annotations

from childsafe import __version__
from tests.cli.conftest import Cli


def test_version(cli: Cli) -> None:
    _, out, _ = cli("--version")
    assert out.strip() == f"childsafe {__version__}"


def test_help_lists_every_command(cli: Cli) -> None:
    _, out, _ = cli("--help")
    for command in ("hash", "scan", "bank", "demo"):
        assert command in out
    _, out, _ = cli("bank", "--help")
    for command in ("create", "add", "import", "export", "list"):
        assert command in out
