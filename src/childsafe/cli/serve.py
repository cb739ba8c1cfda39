"""``childsafe serve``: the HTTP scanning service, optionally seeded with the demo bank.

Workers are separate processes started by uvicorn, each with its own matcher following the
store; they read their settings from the environment, so options given here are passed on as
``CHILDSAFE_*`` variables. The access log is off by default: request lines carry query strings
(hashes, URLs of uploads) that an operator may not want in logs.
"""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path
from typing import Annotated

import typer

from childsafe.cli.context import CliContext

DEMO_KEY_NAME = "demo"
DEMO_KEY_FILE = "demo-api-key"
DEMO_SCOPES = ["scan", "chat"]
DEMO_CHAT_FILE = "demo-chat.json"


def _demo_key(cli: CliContext) -> str:
    """The demo key's secret, created once and kept in the data directory (0600).

    Only the demo does this; real keys are shown once and never stored.
    """
    path = cli.settings.home / DEMO_KEY_FILE
    if path.exists():
        secret = path.read_text().strip()
        try:
            for scope in DEMO_SCOPES:
                cli.keys.authenticate(secret, scope)
            return secret
        except Exception:  # revoked, from another database or an older demo: make a new one
            path.unlink()
    from childsafe.auth import KeyExists

    try:
        _, secret = cli.keys.create(DEMO_KEY_NAME, DEMO_SCOPES)
    except KeyExists:
        cli.keys.revoke(DEMO_KEY_NAME)
        _, secret = cli.keys.create(DEMO_KEY_NAME, DEMO_SCOPES)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, stat.S_IRUSR | stat.S_IWUSR)
    with os.fdopen(fd, "w") as f:
        f.write(secret + "\n")
    return secret


def _seed_demo(cli: CliContext, base_url: str) -> str:
    from childsafe.demo.seed import seed_demo

    folder = cli.settings.home / "demo-uploads"
    with cli.err.status("creating the demo bank and sample uploads…"):
        uploads = seed_demo(cli.banks, cli.registry, folder)
    secret = _demo_key(cli)
    sample = next((p for p in uploads if "-crop" in p.name), uploads[0])
    chat = cli.settings.home / DEMO_CHAT_FILE
    chat.write_text(json.dumps(demo_chat_batch(time.time()), indent=2) + "\n")
    auth = f'-H "Authorization: Bearer {secret}"'
    return (
        f"\nDemo ready: a bank of generated pictures; altered copies are in {folder}.\n"
        f"Try (a demo key with the scan and chat scopes is in "
        f"{cli.settings.home / DEMO_KEY_FILE}):\n\n"
        f"  curl -s {auth} -F file=@{sample} {base_url}/v1/scan\n"
        f"  curl -s {auth} -H 'content-type: application/json' -d @{chat} "
        f"{base_url}/v1/chat/messages\n"
    )


def demo_chat_batch(now: float) -> dict[str, object]:
    """An invented stranger's four warning signs to an invented child, ending at ``now``."""
    texts = (
        "hey! saw you in the lobby, how old are you?",
        "you're really mature for your age",
        "keep this our little secret ok?",
        "add me on the other app, easier to talk",
    )
    start = now - 60 * len(texts)
    return {
        "accounts": {
            "demo_adult": {"declared_age": 34, "account_age_days": 3},
            "demo_child": {"declared_age": 13},
        },
        "messages": [
            {
                "id": f"demo_{i}",
                "conversation_id": "demo_conversation",
                "sender": "demo_adult",
                "recipients": ["demo_child"],
                "time": start + 60 * i,
                "text": text,
            }
            for i, text in enumerate(texts)
        ],
    }


def _warm_matcher_cache(cli: CliContext) -> None:
    """Build the matcher once here and save it, so every worker opens it instead of each
    reading every bank from the database (seconds per million hashes) at the same time."""
    from childsafe.scan.service import Scanner

    with cli.err.status("loading the banks into the matcher…") as status:
        scanner = Scanner.load(
            cli.banks,
            cli.registry,
            on_progress=lambda n: status.update(f"loading the banks into the matcher… {n:,}"),
            cache_dir=cli.settings.home / "cache",
        )
    n = len(scanner.banks)
    cli.err.print(f"matcher ready: {len(scanner.matcher):,} signals in {n} bank{'s' * (n != 1)}")


def serve_command(
    ctx: typer.Context,
    host: Annotated[
        str | None, typer.Option(help="Address to listen on (default 127.0.0.1: local only).")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8000).")] = None,
    workers: Annotated[
        int | None,
        typer.Option(help="Worker processes (default 1); each holds its own matcher."),
    ] = None,
    demo: Annotated[
        bool,
        typer.Option(
            "--demo/--no-demo",
            help="Seed a demo bank of generated pictures and a demo key, and print a request.",
        ),
    ] = False,
    access_log: Annotated[
        bool, typer.Option("--access-log/--no-access-log", help="Log every request line.")
    ] = False,
    log_level: Annotated[str, typer.Option(help="debug, info, warning or error.")] = "info",
) -> None:
    """Run the HTTP scanning service (REST API, HMA-compatible endpoints, metrics)."""
    import uvicorn

    cli: CliContext = ctx.obj
    settings = cli.settings
    host = host if host is not None else settings.host
    port = port if port is not None else settings.port
    workers = workers if workers is not None else settings.workers
    if workers < 1:
        raise cli.fail("--workers must be at least 1")
    base_url = f"http://{'[' + host + ']' if ':' in host else host}:{port}"
    cli.store  # noqa: B018  -- create or upgrade the database once, before any worker starts
    # Compile the kernels into numba's on-disk cache once, here, so the workers (spawned, not
    # forked) load them instead of all compiling at once on a fresh install.
    from childsafe.chat.config import check_settings

    try:
        check_settings(settings)
    except ValueError as e:
        raise cli.fail(e) from None
    cli.prepare_hashing()
    demo_text = _seed_demo(cli, base_url) if demo else ""
    _warm_matcher_cache(cli)
    cli.store.close()
    # Workers build their settings from the environment: pass on what was chosen here.
    os.environ["CHILDSAFE_HOME"] = str(Path(settings.home).resolve())
    if demo_text:
        # Plain print to stdout: the command must stay copyable, without wrapping or markup.
        print(demo_text, flush=True)
    cli.err.print(
        f"childsafe listening on [bold]{base_url}[/bold] ({workers} worker"
        f"{'s' if workers > 1 else ''}); API docs at {base_url}/docs"
    )
    uvicorn.run(
        "childsafe.api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=access_log,
        log_level=log_level,
        server_header=False,
    )
