"""Checkpoints of a character LM: the weights, the vocabulary and the configuration.

A checkpoint is a file written by `torch.save` holding only plain data: tensors, strings,
numbers, lists and dicts. It is read back with `torch.load(weights_only=True)`, which
refuses anything else, so opening a checkpoint someone sent you cannot run their code
(an ordinary pickle can). Everything that goes wrong while reading one is reported as a
CheckpointError that names the file and the problem.

    {"format": "lecture_utils.charlm", "version": 1,
     "config": {"cell": "lstm", "embedding_size": 64, "hidden_size": 512, ...},
     "vocab": "\\n !$&',-.3:;?ABC...",        # Vocabulary.chars, in order
     "state_dict": {name: tensor},             # CharLM.state_dict()
     "history": {...}}                         # how it was trained: steps, losses, the command
"""
import os
import pickle
import tempfile
import warnings
from importlib import resources

import torch

from .cells import CELLS
from .models import CharLM
from .vocab import Vocabulary

FORMAT, VERSION = "lecture_utils.charlm", 1


# Checkpoints shipped with the course, each made by `python -m lecture_utils train`; the
# command is in the checkpoint's history and in checkpoints/README.md.
SHIPPED = {name: str(resources.files("lecture_utils").joinpath("checkpoints", f"{name}_lstm.pt"))
           for name in ("shakespeare", "c", "latex")}


class CheckpointError(ValueError):
    """A file that cannot be used as a checkpoint; the message says why."""


def build_model(config, vocab_size):
    """A fresh CharLM as `config` describes it: cell, embedding_size, hidden_size, dropout.
    It runs fused (cells.Recurrent): set model.rnn.fused = False to look inside its steps."""
    if config["cell"] not in CELLS:
        raise ValueError(f"unknown cell {config['cell']!r}; choose one of {sorted(CELLS)}")
    cell = CELLS[config["cell"]](config["embedding_size"], config["hidden_size"])
    return CharLM(cell, vocab_size, dropout=config.get("dropout", 0.0), fused=True)


def save_checkpoint(path, model, vocab, config, history=None):
    """Write model (a CharLM), its Vocabulary, its config (a dict) and history to path.

    Written to a new temporary file beside it first and then renamed, so that an
    interrupted save never leaves a half-written checkpoint where a good one was. Only a
    regular file is ever replaced: a link, a device or a pipe at `path` is refused, since a
    rename would put a file in its place. Any failure to write is a CheckpointError.
    """
    payload = {
        "format": FORMAT, "version": VERSION,
        "config": dict(config), "vocab": "".join(vocab.chars),
        "state_dict": {k: v.detach().clone() for k, v in model.state_dict().items()},
        "history": dict(history or {}),
    }
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise CheckpointError(f"cannot write checkpoint {path}: folder {directory} does not exist")
    if os.path.lexists(path) and (os.path.islink(path) or not os.path.isfile(path)):
        raise CheckpointError(f"will not replace {path}: it is not a regular file (a folder, a link, a device or a pipe)")
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            torch.save(payload, f)
        # mkstemp makes the file private (0600); a checkpoint gets the permissions of any new file
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except (OSError, RuntimeError) as e:  # no permission, a full disk, a file system that refuses (torch raises both)
        if tmp is not None and os.path.exists(tmp):
            os.remove(tmp)
        reason = e.strerror if isinstance(e, OSError) and e.strerror else str(e).splitlines()[0]
        raise CheckpointError(f"cannot write checkpoint {path}: {reason}") from None


def load_checkpoint(path):
    """Read a checkpoint written by save_checkpoint.

    Returns (model, vocab, config, history): a CharLM in eval mode with the saved weights,
    its Vocabulary, and the two dicts. Raises CheckpointError for a missing file, a file
    that is not a checkpoint (or holds anything but plain data), or a damaged one.
    """
    if not os.path.isfile(path):
        raise CheckpointError(f"checkpoint {path} does not exist")
    try:
        with warnings.catch_warnings():  # e.g. about an unusual pickle protocol: the error below says it better
            warnings.simplefilter("ignore")
            payload = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        # weights_only=True refuses any object that is not plain data: an ordinary
        # pickle could run arbitrary code while it loads.
        found = [line.strip() for line in str(e).splitlines() if "Unsupported global" in line]
        raise CheckpointError(
            f"refusing to load {path}: it holds objects other than weights and plain data, "
            f"and loading it could run code" + (f" ({found[0]})" if found else "")
        ) from None
    except Exception as e:  # a damaged file fails anywhere inside torch.load, with any exception
        raise CheckpointError(
            f"{path} is not a readable checkpoint (damaged, truncated, or not written by "
            f"torch.save): {str(e).splitlines()[0] if str(e) else type(e).__name__}"
        ) from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a lecture_utils character-LM checkpoint (no format {FORMAT!r} tag)")
    if payload.get("version") != VERSION:
        raise CheckpointError(f"{path} is checkpoint version {payload.get('version')!r}; this lecture_utils reads version {VERSION}")
    for key, kind in (("config", dict), ("vocab", str), ("state_dict", dict), ("history", dict)):
        if not isinstance(payload.get(key), kind):
            raise CheckpointError(f"{path} is damaged: its {key!r} entry is missing or not a {kind.__name__}")
    config = payload["config"]
    try:
        vocab = Vocabulary(payload["vocab"])
        model = build_model(config, len(vocab))
        model.load_state_dict(payload["state_dict"])
    except (KeyError, ValueError, RuntimeError, TypeError) as e:
        raise CheckpointError(f"{path} is damaged: its weights do not fit its configuration ({str(e).splitlines()[0]})") from None
    model.eval()
    return model, vocab, config, payload["history"]
