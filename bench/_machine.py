"""The machine description every benchmark writes beside its figures."""

from __future__ import annotations

import os
import platform
from collections.abc import Iterable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path


def cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def describe(packages: Iterable[str], note: str = "") -> str:
    """Markdown bullet lines: CPU, cores, load at start, Python and package versions."""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    libs = []
    for p in packages:
        try:
            libs.append(f"{p} {version(p)}")
        except PackageNotFoundError:
            libs.append(f"{p} (not installed)")
    extra = f" ({note})" if note else ""
    return (
        f"- CPU: {cpu_model()}, {os.cpu_count()} logical cores{extra}; "
        f"load average at start {load:.1f}\n"
        f"- Python {platform.python_version()} on {platform.system()} {platform.machine()}\n"
        f"- {', '.join(libs)}"
    )
