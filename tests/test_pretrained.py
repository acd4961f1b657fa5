"""utils.pretrained: safe loading (missing, tampered, truncated, booby-trapped files), the local server, the probe,
and notebook 07's exercise checks fed typical wrong answers."""

import copy
import hashlib
import pickle
import time
import urllib.request

import pytest
import torch
from torch import nn

from utils import checks, models, pretrained


@pytest.fixture
def checkpoint(tmp_path):
    """A small state_dict saved as name-<sha8>.pt; returns (path, sha256, size, state)."""
    torch.manual_seed(0)
    state = models.TwoLayerNet(4, 3, 2).state_dict()
    scratch = tmp_path / "tiny.partial"
    torch.save(state, scratch)
    sha = pretrained.sha256_of(scratch)
    path = tmp_path / f"tiny-{sha[:8]}.pt"
    scratch.rename(path)
    return path, sha, path.stat().st_size, state


def test_sha256_of_matches_hashlib(checkpoint):
    path, sha, _, _ = checkpoint
    assert sha == hashlib.sha256(path.read_bytes()).hexdigest()
    assert pretrained.sha256_of(path, chunk_bytes=7) == sha  # chunking does not change the hash


def test_a_good_checkpoint_loads_with_full_hash_or_prefix(checkpoint):
    path, sha, size, state = checkpoint
    for expected in (sha, sha[:8], sha.upper()):
        loaded = pretrained.load_checkpoint(path, sha256=expected, size=size)
        assert set(loaded) == set(state) and all(torch.equal(loaded[k], state[k]) for k in state)
    with pytest.raises(ValueError, match="at least 8 hex digits"):
        pretrained.load_checkpoint(path, sha256=sha[:4])


def test_a_missing_file_names_the_file_and_the_fix(tmp_path):
    missing = tmp_path / "nowhere-12345678.pt"
    with pytest.raises(FileNotFoundError) as info:
        pretrained.load_checkpoint(missing, sha256="12345678")
    message = str(info.value)
    assert str(missing) in message and "does not exist" in message and "python -m tools.train_zoo" in message


def test_a_tampered_file_fails_the_hash_check(checkpoint):
    path, sha, size, state = checkpoint
    changed = {k: v.clone() for k, v in state.items()}
    changed["linear2.bias"][0] += 1.0
    torch.save(changed, path)  # still a valid checkpoint: torch.load alone would accept it
    assert torch.load(path, weights_only=True)["linear2.bias"][0] != state["linear2.bias"][0]
    with pytest.raises(pretrained.CheckpointError) as info:
        pretrained.load_checkpoint(path, sha256=sha, size=size)
    message = str(info.value)
    assert str(path) in message and "does not match its published sha256" in message
    assert f"expected {sha[:16]}..." in message and "Do not load it" in message and "git checkout zoo/" in message


def test_a_truncated_file_is_named_truncated_when_the_size_is_known(checkpoint):
    path, sha, size, _ = checkpoint
    path.write_bytes(path.read_bytes()[: size // 2])
    with pytest.raises(pretrained.CheckpointError) as info:
        pretrained.load_checkpoint(path, sha256=sha, size=size)
    message = str(info.value)
    assert str(path) in message and f"is truncated: {size // 2} bytes instead of {size}" in message
    with pytest.raises(pretrained.CheckpointError, match="does not match its published sha256"):
        pretrained.load_checkpoint(path, sha256=sha)  # without the size, the hash catches it
    with pytest.raises(pretrained.CheckpointError) as info:
        pretrained.load_checkpoint(path)  # with neither, torch.load fails and the message explains
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
    with pytest.raises(pretrained.CheckpointError) as info:
        pretrained.load_checkpoint(path)
    assert "holds objects other than tensors" in str(info.value) and "weights_only=False" in str(info.value)
    assert "payload ran" not in capsys.readouterr().out  # the payload never ran
    torch.load(path, weights_only=False)  # while an unsafe load runs it
    assert "payload ran" in capsys.readouterr().out


def test_serve_folder_serves_records_and_stops(tmp_path):
    (tmp_path / "a.txt").write_text("hello")
    with pretrained.serve_folder(tmp_path) as server:
        assert server.url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(server.url + "a.txt", timeout=5) as answer:
            assert answer.read() == b"hello"
    assert server.requests == ["/a.txt"]
    with pytest.raises(OSError):  # stopped: nothing listens on that port any more
        urllib.request.urlopen(server.url + "a.txt", timeout=2)
    with pytest.raises(FileNotFoundError, match="is not a folder"):
        with pretrained.serve_folder(tmp_path / "a.txt"):
            pass


def test_torch_hub_check_hash_downloads_once_then_uses_the_cache(checkpoint, tmp_path):
    path, sha, _, state = checkpoint
    cache = tmp_path / "cache"
    for expected_requests in ([f"/{path.name}"], []):
        with pretrained.serve_folder(path.parent) as server:
            loaded = torch.hub.load_state_dict_from_url(
                server.url + path.name, model_dir=str(cache), check_hash=True, weights_only=True, progress=False
            )
        assert server.requests == expected_requests
        assert all(torch.equal(loaded[k], state[k]) for k in state)


def test_network_probe_fails_fast_for_an_unreachable_host():
    started = time.perf_counter()
    assert pretrained.network_reachable("no-such-host.invalid", timeout=1.0) is False
    assert time.perf_counter() - started < 2.0
    with pretrained.serve_folder(".") as server:
        assert pretrained.network_reachable("127.0.0.1", port=int(server.url.rsplit(":", 1)[1].strip("/")))


# ---- Exercise 1: the hash, and the loaded model ------------------------------------------------------------------

SHA = hashlib.sha256(b"weights").hexdigest()


def test_check_sha256_passes_with_one_line(capsys):
    pretrained.check_sha256("file_sha256", SHA.upper(), SHA)
    assert capsys.readouterr().out == f"check passed: file_sha256 matches the published sha256 {SHA[:8]}...\n"


@pytest.mark.parametrize(
    "wrong, expected",
    [
        (
            hashlib.sha256(b"weights").digest(),
            r"is bytes \(32 of them\), not hex text.*\.hexdigest\(\), not \.digest\(\)",
        ),
        (hashlib.md5(b"weights").hexdigest(), "has 32 characters, which looks like an md5"),
        (hashlib.sha1(b"weights").hexdigest(), "has 40 characters, which looks like a sha1"),
        (None, "should be a str of 64 hex digits, but it is a NoneType"),
        (hashlib.sha256(b"weight").hexdigest(), r"does not match the published sha256.*binary mode \('rb'\)"),
    ],
)
def test_check_sha256_names_typical_mistakes(wrong, expected):
    with pytest.raises(checks.CheckFailed, match=f"(?s){expected}"):
        pretrained.check_sha256("file_sha256", wrong, SHA)


def test_check_loaded_model_catches_random_weights(capsys):
    torch.manual_seed(0)
    trained = models.TwoLayerNet(4, 3, 2)
    state = trained.state_dict()
    pretrained.check_loaded_model("model", trained, state)
    assert "check passed: model holds the checkpoint's weights (4 tensors)" in capsys.readouterr().out
    with pytest.raises(checks.CheckFailed, match="(?s)model's linear1.weight differs.*pass pretrained=True"):
        pretrained.check_loaded_model("model", models.TwoLayerNet(4, 3, 2), state)  # forgot pretrained=True
    with pytest.raises(checks.CheckFailed, match="should be an nn.Module, but it is a OrderedDict"):
        pretrained.check_loaded_model("model", state, state)  # returned the state_dict, not the model
    with pytest.raises(checks.CheckFailed, match="has the parameters"):
        pretrained.check_loaded_model("model", nn.Linear(4, 2), state)  # another model
    with pytest.raises(
        checks.CheckFailed,
        match=r"(?s)linear2.weight has shape \(5, 3\), the checkpoint's "
        r"\(2, 3\): it is another model.*entry point's name",
    ):
        pretrained.check_loaded_model("model", models.TwoLayerNet(4, 3, 5), state)  # loaded the wrong zoo model


def test_check_loaded_model_blames_the_name_not_pretrained_for_another_zoo_model():
    torch.manual_seed(0)
    state = models.TwoLayerNet(4, 3, 2).state_dict()
    torch.manual_seed(1)
    other = models.TwoLayerNet(4, 3, 5)  # same first layer shape, other values: its pretrained weights
    with pytest.raises(checks.CheckFailed) as failure:
        pretrained.check_loaded_model("model", other, state)
    assert "another model" in str(failure.value) and "pretrained=True" not in str(failure.value)


# ---- Exercise 2: freeze and replace the head --------------------------------------------------------------------


@pytest.fixture
def base():
    torch.manual_seed(0)
    return models.TwoLayerNet(64, 100, 7), torch.rand(5, 64)


def right_answer(model, num_classes=3):
    model = copy.deepcopy(model)
    model.requires_grad_(False)
    model.linear2 = nn.Linear(100, num_classes)
    return model


def test_the_right_answer_passes(base, capsys):
    model, x = base
    pretrained.check_fine_tune_model(right_answer(model), model, 3, x)
    assert capsys.readouterr().out == (
        "check passed: output shape (5, 3); the new linear2 trains (303 numbers); "
        "the pretrained layers are frozen (6500 numbers)\n"
    )


def forgot_to_freeze(model):
    model = copy.deepcopy(model)
    model.linear2 = nn.Linear(100, 3)
    return model


def froze_the_new_head_too(model):
    model = right_answer(model)
    model.linear2.requires_grad_(False)
    return model


def froze_after_replacing(model):
    model = copy.deepcopy(model)
    model.linear2 = nn.Linear(100, 3)
    model.requires_grad_(False)
    return model


def kept_all_ten_digits(model):
    return right_answer(model, num_classes=10)


def kept_the_old_head(model):
    model = copy.deepcopy(model)
    model.linear1.requires_grad_(False)
    return model


def changed_the_pretrained_weights(model):
    model = right_answer(model)
    with torch.no_grad():
        model.linear1.weight.zero_()
    return model


def set_an_attribute_instead_of_freezing(model):
    model = copy.deepcopy(model)
    model.requires_grad = False  # a plain attribute: no parameter changes
    model.linear2 = nn.Linear(100, 3)
    return model


def named_the_new_head_fc(model):
    model = copy.deepcopy(model)
    model.requires_grad_(False)
    model.fc = nn.Linear(100, 3)  # forward never calls it
    return model


@pytest.mark.parametrize(
    "mistake, expected",
    [
        (
            set_an_attribute_instead_of_freezing,
            r"`model.requires_grad = False` only gave the module a new attribute"
            r".*model.requires_grad_\(False\) \(with the underscore\)",
        ),
        (named_the_new_head_fc, r"new layer 'fc', but its forward never calls it.*shape \(5, 7\).*model.linear2 ="),
        (
            forgot_to_freeze,
            r"linear1.weight still requires grad: the pretrained layers are not frozen.*requires_grad_\(False\)",
        ),
        (froze_the_new_head_too, "linear2.weight does not require grad: the new head is frozen too"),
        (froze_after_replacing, "linear2.weight does not require grad: the new head is frozen too"),
        (
            kept_all_ten_digits,
            r"output has shape \(5, 10\) but should be \(5, 3\).*one output per class.*nn.Linear\(H, 3\)",
        ),
        (kept_the_old_head, r"output has shape \(5, 7\) but should be \(5, 3\)"),
        (changed_the_pretrained_weights, "linear1.weight differs from the pretrained weights"),
        (lambda model: None, "fine_tune_model returned None.*return model"),
        (lambda model: model, "is the pretrained model itself.*copy.deepcopy"),
    ],
)
def test_typical_mistakes_are_named(base, mistake, expected):
    model, x = base
    with pytest.raises(checks.CheckFailed, match=f"(?s){expected}"):
        pretrained.check_fine_tune_model(mistake(model), model, 3, x)


def test_an_unreplaced_head_of_the_right_size_is_caught():
    torch.manual_seed(0)
    model = models.TwoLayerNet(64, 100, 3)  # a pretrained model that already has 3 outputs
    kept = copy.deepcopy(model)
    kept.linear1.requires_grad_(False)
    with pytest.raises(checks.CheckFailed, match="linear2 still holds the pretrained head's weights"):
        pretrained.check_fine_tune_model(kept, model, 3, torch.rand(2, 64))


def test_freezing_the_pretrained_model_instead_of_the_copy_is_named(base):
    model, x = base
    copied = copy.deepcopy(model)
    model.requires_grad_(False)  # the mistake: pretrained_model.requires_grad_(False)
    copied.linear2 = nn.Linear(100, 3)
    with pytest.raises(checks.CheckFailed, match="(?s)you froze the pretrained model itself, not its copy"):
        pretrained.check_fine_tune_model(copied, model, 3, x)
    pretrained.check_fine_tune_model(right_answer(model), model, 3, x)  # a frozen original does not block the answer
