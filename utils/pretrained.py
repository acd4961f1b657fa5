"""Pretrained weights, loaded safely: hashes, checkpoint loading, a local server, exercise checks (notebook 07).

A checkpoint file is a pickle, and unpickling can run any code. So every load here uses
torch.load(..., weights_only=True), which accepts tensors and plain containers only, and checks the file's
sha256 first, which catches a file changed or cut short since its hash was published.
"""

import contextlib
import hashlib
import os
import socket
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import torch

from utils import checks

FIX = (
    "delete it and get it again (for the course's zoo: `git checkout zoo/`, "
    "or rebuild it with `python -m tools.train_zoo`)"
)


class CheckpointError(RuntimeError):
    """A checkpoint file is damaged, tampered with or not a weights-only checkpoint; the message names the fix."""


def sha256_of(path, chunk_bytes=1 << 20):
    """Returns the sha256 of the file at `path` as 64 lowercase hex digits, reading it in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(chunk_bytes), b""):
            digest.update(block)
    return digest.hexdigest()


def load_checkpoint(path, sha256=None, size=None, map_location="cpu"):
    """Returns the object stored in the checkpoint at `path` (usually a state_dict), after checking it.

    `sha256`: the expected hash (all 64 hex digits, or a prefix of 8 or more); `size`: the expected bytes.
    The file is loaded with weights_only=True, on `map_location` (the CPU by default, so a checkpoint saved
    on a GPU loads on any machine). Raises FileNotFoundError or CheckpointError with a message that names
    the file and says what to do.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"checkpoint {path} does not exist: check the name (zoo/manifest.json lists "
            "the zoo's files) or rebuild the zoo with `python -m tools.train_zoo`."
        )
    actual_size = path.stat().st_size
    if size is not None and actual_size < size:
        raise CheckpointError(
            f"checkpoint {path} is truncated: {actual_size} bytes instead of {size} "
            f"(an interrupted download or copy). Do not load it: {FIX}."
        )
    if sha256 is not None:
        expected = str(sha256).lower()
        if len(expected) < 8:
            raise ValueError(f"give at least 8 hex digits of the sha256 for {path}, not {sha256!r}")
        digest = sha256_of(path)
        if not digest.startswith(expected):
            raise CheckpointError(
                f"checkpoint {path} does not match its published sha256: expected "
                f"{expected[:16]}..., got {digest[:16]}... ({actual_size} bytes). The file was "
                f"changed or damaged after publication (tampered with, or cut short). "
                f"Do not load it: {FIX}."
            )
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except Exception as error:  # a damaged zip archive, or a pickle that holds more than tensors
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise CheckpointError(
            f"checkpoint {path} could not be loaded with weights_only=True ({first_line}). "
            f"It is truncated, not a PyTorch checkpoint, or holds objects other than tensors. "
            f"Do not load it with weights_only=False unless you trust its source: {FIX}."
        ) from error


class _QuietHandler(SimpleHTTPRequestHandler):
    """Serves files from a folder and records each request's path instead of printing a log line."""

    def log_message(self, format, *args):
        self.server.requests.append(self.path)


@contextlib.contextmanager
def serve_folder(folder):
    """Yields an HTTP server sharing `folder` on 127.0.0.1 (a free port); stops it on leaving the `with` block.

    The server has `.url` ("http://127.0.0.1:PORT/") and `.requests` (the paths it served, in order).
    While it runs, NO_PROXY includes 127.0.0.1, so that a proxy setting cannot capture the requests.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"cannot serve {folder}: it is not a folder")
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(folder)))
    server.requests = []
    server.url = f"http://127.0.0.1:{server.server_address[1]}/"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    saved = {key: os.environ.get(key) for key in ("NO_PROXY", "no_proxy")}
    thread.start()
    try:
        for key, value in saved.items():
            os.environ[key] = ",".join(filter(None, [value, "127.0.0.1"]))
        yield server
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        server.shutdown()
        server.server_close()
        thread.join()


def network_reachable(host, port=443, timeout=2.0):
    """Returns True when a TCP connection to host:port opens within `timeout` seconds (name lookup included)."""
    result = []

    def probe():
        try:
            with socket.create_connection((host, port), timeout=timeout):
                result.append(True)
        except OSError:
            pass

    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    thread.join(timeout + 0.5)  # a stuck name lookup does not hold up the notebook
    return bool(result)


def check_sha256(name, got, expected):
    """Returns None; prints "check passed" when `got` is the hex sha256 `expected`, else says what went wrong."""
    if isinstance(got, bytes):
        checks.fail(f"{name} is bytes ({len(got)} of them), not hex text.", "use .hexdigest(), not .digest().")
    if not isinstance(got, str):
        checks.fail(
            f"{name} should be a str of 64 hex digits, but it is a {type(got).__name__}.",
            "return hashlib.sha256(...).hexdigest().",
        )
    lengths = {32: "an md5", 40: "a sha1", 128: "a sha512"}
    if len(got) != 64:
        kind = lengths.get(len(got), "not a sha256")
        checks.fail(
            f"{name} has {len(got)} characters, which looks like {kind}, not a sha256 (64 hex digits).",
            "use hashlib.sha256().",
        )
    if got.lower() != expected.lower():
        checks.fail(
            f"{name} does not match the published sha256: expected {expected[:16]}..., got {got[:16]}...",
            "hash the whole file, opened in binary mode ('rb'): the right file, every chunk.",
        )
    print(f"check passed: {name} matches the published sha256 {expected[:8]}...")


def check_loaded_model(name, model, state_dict):
    """Returns None; prints "check passed" when every parameter of `model` equals the checkpoint's `state_dict`."""
    if not isinstance(model, torch.nn.Module):
        checks.fail(
            f"{name} should be an nn.Module, but it is a {type(model).__name__}.",
            "torch.hub.load returns the model that the hubconf.py entry point builds.",
        )
    own = model.state_dict()
    if set(own) != set(state_dict):
        checks.fail(
            f"{name} has the parameters {sorted(own)}, the checkpoint {sorted(state_dict)}.",
            "load the zoo model whose weights you are checking.",
        )
    for key, value in state_dict.items():
        if own[key].shape != value.shape:
            checks.fail(
                f"{name}'s {key} has shape {tuple(own[key].shape)}, the checkpoint's {tuple(value.shape)}: "
                "it is another model, not the one these weights belong to.",
                "check the entry point's name in torch.hub.load: load the model these weights were made for.",
            )
    for key, value in state_dict.items():
        if not torch.equal(own[key].cpu(), value.cpu()):
            checks.fail(
                f"{name}'s {key} differs from the checkpoint's.",
                "pass pretrained=True: without it the entry point returns randomly initialised weights.",
            )
    print(f"check passed: {name} holds the checkpoint's weights ({len(state_dict)} tensors)")


def check_fine_tune_model(model, pretrained, num_classes, x, head="linear2"):
    """Returns None; prints "check passed" when `model` is `pretrained` frozen, with a new trainable `head`.

    Checks the output size on the batch `x`, that the head is new and trains, and that every other
    parameter is frozen (requires_grad False) and still holds the pretrained value.
    """
    if model is None:
        checks.fail("fine_tune_model returned None.", "end the function with `return model`.")
    if model is pretrained:
        checks.fail("the fine-tuning model is the pretrained model itself.", "work on copy.deepcopy(pretrained).")
    if model.__dict__.get("requires_grad") is False:
        checks.fail(
            "`model.requires_grad = False` only gave the module a new attribute: its parameters still require grad.",
            "call the method model.requires_grad_(False) (with the underscore), which sets "
            "requires_grad on every parameter.",
        )
    with torch.no_grad():
        out = model(x)
    unused = sorted(set(dict(model.named_children())) - set(dict(pretrained.named_children())))
    if tuple(out.shape) != (len(x), num_classes) and unused:
        checks.fail(
            f"the model has a new layer {unused[0]!r}, but its forward never calls it: the output still has "
            f"shape {tuple(out.shape)}.",
            f"the head that forward uses is {head}: assign model.{head} = nn.Linear(...).",
        )
    if tuple(out.shape) != (len(x), num_classes):
        checks.fail(
            f"the model's output has shape {tuple(out.shape)} but should be {(len(x), num_classes)}.",
            f"the new head needs one output per class of the new task: nn.Linear(H, {num_classes}).",
        )
    old = dict(pretrained.named_parameters())
    new = dict(model.named_parameters())
    head_keys = [k for k in new if k.startswith(head + ".")]
    if not head_keys:
        checks.fail(f"the model has no {head}.", f"replace the head by assigning model.{head} = nn.Linear(...).")
    if all(
        new[k].shape == old[k].shape and torch.equal(new[k].detach().cpu(), old[k].detach().cpu()) for k in head_keys
    ):
        checks.fail(
            f"{head} still holds the pretrained head's weights.",
            f"replace it with a new layer: model.{head} = nn.Linear(H, {num_classes}).",
        )
    for key, param in new.items():
        if key in head_keys and not param.requires_grad:
            checks.fail(
                f"{key} does not require grad: the new head is frozen too, so nothing would train.",
                "freeze the pretrained layers first, then create the new head (a new nn.Linear requires grad).",
            )
        if key not in head_keys and param.requires_grad and key in old and not old[key].requires_grad:
            checks.fail(
                f"{key} still requires grad, but the pretrained model's {key} does not: you froze the "
                "pretrained model itself, not its copy.",
                "freeze `model` (the copy made by copy.deepcopy), "
                "then re-run the cell that loads the pretrained model to get it back unfrozen.",
            )
        if key not in head_keys and param.requires_grad:
            checks.fail(
                f"{key} still requires grad: the pretrained layers are not frozen, so fine-tuning would change them.",
                f"call model.requires_grad_(False) before you create the new {head}.",
            )
        if key not in head_keys and not torch.equal(param.detach().cpu(), old[key].detach().cpu()):
            checks.fail(
                f"{key} differs from the pretrained weights.", "freezing keeps the pretrained values as they are."
            )
    frozen = sum(p.numel() for k, p in new.items() if k not in head_keys)
    trained = sum(new[k].numel() for k in head_keys)
    print(
        f"check passed: output shape {tuple(out.shape)}; the new {head} trains ({trained} numbers); "
        f"the pretrained layers are frozen ({frozen} numbers)"
    )
