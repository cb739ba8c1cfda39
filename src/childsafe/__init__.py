"""childsafe: open-source child-safety infrastructure.

The package is layered: a small core without I/O (``media``, ``signals``, ``index``,
``policy``), services above it (``banks``, ``scan``), the ``store`` they persist through, and
edges on top (``cli``). Imports point down only; ``scripts/check`` enforces it.
"""

__version__ = "0.1.0"
