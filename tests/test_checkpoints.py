"""utils.checkpoints and utils.weights_server: safe loading (missing, tampered, truncated, booby-trapped files),
the local server torch.hub downloads from, and the network probe (notebook 07)."""

import hashlib
import pickle
import time
import urllib.request

import pytest
import torch

from utils import checkpoints, models, weights_server


@pytest.fixture
def checkpoint(tmp_path):
    """A small state_dict saved as name-<sha8>.pt; returns (path, sha256, size, state)."""
    torch.manual_seed(0)
    state = models.TwoLayerNet(4, 3, 2).state_dict()
    scratch = tmp_path / "tiny.partial"
    torch.save(state, scratch)
    sha = checkpoints.sha256_of(scratch)
    path = tmp_path / f"tiny-{sha[:8]}.pt"
    scratch.rename(path)
    return path, sha, path.stat().st_size, state


def test_sha256_of_matches_hashlib(checkpoint):
    path, sha, _, _ = checkpoint
    assert sha == hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_good_checkpoint_loads_with_full_hash_or_prefix(checkpoint):
    path, sha, size, state = checkpoint
    for expected in (sha, sha[:8], sha.upper()):
        loaded = checkpoints.load_checkpoint(path, sha256=expected, size=size)
        assert set(loaded) == set(state) and all(torch.equal(loaded[k], state[k]) for k in state)
    with pytest.raises(ValueError, match="at least 8 hex digits"):
        checkpoints.load_checkpoint(path, sha256=sha[:4])


def test_a_missing_file_names_the_file_and_the_fix(tmp_path):
    missing = tmp_path / "nowhere-12345678.pt"
    with pytest.raises(FileNotFoundError) as info:
        checkpoints.load_checkpoint(missing, sha256="12345678")
    message = str(info.value)
    assert str(missing) in message and "does not exist" in message and "python -m tools.train_zoo" in message


def test_a_tampered_file_fails_the_hash_check(checkpoint):
    path, sha, size, state = checkpoint
    changed = {k: v.clone() for k, v in state.items()}
    changed["linear2.bias"][0] += 1.0
    torch.save(changed, path)  # still a valid checkpoint: torch.load alone would accept it
    assert torch.load(path, weights_only=True)["linear2.bias"][0] != state["linear2.bias"][0]
    with pytest.raises(checkpoints.CheckpointError) as info:
        checkpoints.load_checkpoint(path, sha256=sha, size=size)
    message = str(info.value)
    assert str(path) in message and "does not match its published sha256" in message
    assert f"expected {sha[:16]}..." in message and "Do not load it" in message and "git checkout zoo/" in message


def test_a_truncated_file_is_named_truncated_when_the_size_is_known(checkpoint):
    path, sha, size, _ = checkpoint
    path.write_bytes(path.read_bytes()[: size // 2])
    with pytest.raises(checkpoints.CheckpointError) as info:
        checkpoints.load_checkpoint(path, sha256=sha, size=size)
    message = str(info.value)
    assert str(path) in message and f"is truncated: {size // 2} bytes instead of {size}" in message
    with pytest.raises(checkpoints.CheckpointError, match="does not match its published sha256"):
        checkpoints.load_checkpoint(path, sha256=sha)  # without the size, the hash catches it
    with pytest.raises(checkpoints.CheckpointError) as info:
        checkpoints.load_checkpoint(path)  # with neither, torch.load fails and the message explains
    message = str(info.value)
    assert str(path) in message and "could not be loaded with weights_only=True" in message
    assert "truncated" in message and "python -m tools.train_zoo" in message


class _Payload:
    """Unpickles by calling print: a harmless stand-in for code hidden in a checkpoint."""

    def __reduce__(self):
        return (print, ("payload ran",))


def test_weights_only_refuses_a_pickle_that_calls_a_function(tmp_path, capsys):
    path = tmp_path / "trap.pt"
    torch.save({"w": torch.zeros(2), "x": _Payload()}, path)
    with pytest.raises(pickle.UnpicklingError, match="Unsupported global"):
        torch.load(path, weights_only=True)
    with pytest.raises(checkpoints.CheckpointError) as info:
        checkpoints.load_checkpoint(path)
    assert "holds objects other than tensors" in str(info.value) and "weights_only=False" in str(info.value)
    assert "payload ran" not in capsys.readouterr().out  # the payload never ran
    torch.load(path, weights_only=False)  # while an unsafe load runs it
    assert "payload ran" in capsys.readouterr().out


def test_serve_folder_serves_records_and_stops(tmp_path):
    (tmp_path / "a.txt").write_text("hello")
    with weights_server.serve_folder(tmp_path) as server:
        assert server.url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(server.url + "a.txt", timeout=5) as answer:
            assert answer.read() == b"hello"
    assert server.requests == ["/a.txt"]
    with pytest.raises(OSError):  # stopped: nothing listens on that port any more
        urllib.request.urlopen(server.url + "a.txt", timeout=2)
    with pytest.raises(FileNotFoundError, match="is not a folder"):
        with weights_server.serve_folder(tmp_path / "a.txt"):
            pass


def test_torch_hub_check_hash_downloads_once_then_uses_the_cache(checkpoint, tmp_path):
    path, sha, _, state = checkpoint
    cache = tmp_path / "cache"
    for expected_requests in ([f"/{path.name}"], []):
        with weights_server.serve_folder(path.parent) as server:
            loaded = torch.hub.load_state_dict_from_url(
                server.url + path.name, model_dir=str(cache), check_hash=True, weights_only=True, progress=False
            )
        assert server.requests == expected_requests
        assert all(torch.equal(loaded[k], state[k]) for k in state)


def test_network_probe_fails_fast_for_an_unreachable_host():
    started = time.perf_counter()
    assert weights_server.network_reachable("no-such-host.invalid", timeout=1.0) is False
    assert time.perf_counter() - started < 2.0
    with weights_server.serve_folder(".") as server:
        assert weights_server.network_reachable("127.0.0.1", port=int(server.url.rsplit(":", 1)[1].strip("/")))


def test_serve_folder_stops_within_a_fraction_of_a_second(tmp_path):
    started = time.perf_counter()
    with weights_server.serve_folder(tmp_path):
        pass
    assert time.perf_counter() - started < 0.5, "the notebook opens four servers: each must stop quickly"


def test_sha256_of_reads_a_file_larger_than_one_chunk(tmp_path):
    path = tmp_path / "big.bin"
    data = bytes(range(256)) * 20_000  # 5 MB, not text
    path.write_bytes(data)
    assert checkpoints.sha256_of(path) == hashlib.sha256(data).hexdigest()
