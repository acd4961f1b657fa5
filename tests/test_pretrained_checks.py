"""utils.pretrained_checks: the wrong answers students write to notebook 07's exercises are caught and named."""

import copy
import hashlib
import re
import sys

import pytest
import torch
from torch import nn

from utils import checks, pretrained_checks

# ---- Exercise 1: file_sha256 ------------------------------------------------------------------------------------


def file_sha256(path, chunk_bytes=1 << 16):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(chunk_bytes):
            digest.update(chunk)
    return digest.hexdigest()


def for_loop_with_iter(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(4096), b""):
            digest.update(block)
    return digest.hexdigest()


def file_digest(path):
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def binary_lines(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for line in f:  # binary "lines": chunks that end at each b"\n"
            digest.update(line)
    return digest.hexdigest()


@pytest.mark.parametrize("right", [file_sha256, for_loop_with_iter, file_digest, binary_lines])
def test_right_hashes_pass(right, capsys):
    pretrained_checks.check_file_sha256(right)
    assert capsys.readouterr().out.startswith("check passed: file_sha256 gives the sha256 of a binary, an empty")


def text_mode(path):
    digest = hashlib.sha256()
    with open(path) as f:
        for chunk in iter(lambda: f.read(4096), ""):
            digest.update(chunk.encode())
    return digest.hexdigest()


def text_mode_no_encode(path):
    digest = hashlib.sha256()
    with open(path, encoding="latin-1") as f:
        digest.update(f.read())
    return digest.hexdigest()


def text_latin1(path):
    with open(path, encoding="latin-1") as f:
        return hashlib.sha256(f.read().encode()).hexdigest()


def text_ignoring_errors(path):
    with open(path, errors="ignore") as f:
        return hashlib.sha256(f.read().encode()).hexdigest()


def digest_bytes(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).digest()


def md5(path):
    with open(path, "rb") as f:
        return hashlib.md5(f.read()).hexdigest()


def sha1(path):
    with open(path, "rb") as f:
        return hashlib.sha1(f.read()).hexdigest()


def sha512(path):
    with open(path, "rb") as f:
        return hashlib.sha512(f.read()).hexdigest()


def hash_of_the_path(path):
    return hashlib.sha256(str(path).encode()).hexdigest()


def first_chunk_only(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read(65536)).hexdigest()


def new_hash_per_chunk(path):
    with open(path, "rb") as f:
        while chunk := f.read(8192):
            digest = hashlib.sha256(chunk)
    return digest.hexdigest()


def new_hash_per_chunk_empty_safe(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(8192):
            digest = hashlib.sha256()
            digest.update(chunk)
    return digest.hexdigest()


def full_chunks_only(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        chunk = f.read(4096)
        while len(chunk) == 4096:
            digest.update(chunk)
            chunk = f.read(4096)
    return digest.hexdigest()


def whole_file_at_once(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def read_bytes(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def never_reads_again(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        chunk = f.read(4096)
        while chunk:  # the mistake: the same chunk forever
            digest.update(chunk)
    return digest.hexdigest()


def byte_by_byte(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while byte := f.read(1):
            digest.update(byte)
    return digest.hexdigest()


def upper_case(path):
    return file_sha256(path).upper()


def returns_none(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(65536):
            digest.update(chunk)


def returns_the_hash_object(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(65536):
            digest.update(chunk)
    return digest


def forgot_the_update(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while f.read(65536):
            pass
    return digest.hexdigest()


@pytest.mark.parametrize(
    "wrong, message",
    [
        (text_mode, r"(?s)raised UnicodeDecodeError.*a binary file was opened as text: open it with mode 'rb'"),
        (text_mode_no_encode, r"(?s)raised TypeError.*Strings must be encoded before hashing"),
        (text_latin1, r"the file was read as latin-1 text and encoded back.*open it with 'rb'"),
        (text_ignoring_errors, r"the file was read as text with errors='ignore' and encoded back"),
        (digest_bytes, r"(?s)is bytes \(32 of them\), not hex text.*\.hexdigest\(\) instead of \.digest\(\)"),
        (md5, "it is the md5 of the file, not its sha256: use hashlib.sha256()"),
        (sha1, "it is the sha1 of the file"),
        (sha512, "it is the sha512 of the file"),
        (hash_of_the_path, "it is the sha256 of the path's text, not of the file"),
        (first_chunk_only, "it is the hash of the first 65536 bytes only: .* loop until it returns b''"),
        (new_hash_per_chunk, "it is the hash of the last chunk only: a new sha256 object was made for each chunk"),
        (new_hash_per_chunk_empty_safe, "it is the hash of the last chunk only"),
        (full_chunks_only, "the last chunk, shorter than the others, is missing"),
        (whole_file_at_once, r"(?s)held the whole 4 MB file in memory at once.*f.read\(65536\) in a loop"),
        (read_bytes, "held the whole 4 MB file in memory at once"),
        (never_reads_again, r"(?s)file_sha256 had not finished after 300,000 lines of Python: does its loop end"),
        (byte_by_byte, r"(?s)had not finished after .* lines of Python.*f.read\(65536\)"),
        (upper_case, "is in capital letters: the published hashes, and .hexdigest.., are lowercase"),
        (returns_none, r"(?s)returned None.*return digest.hexdigest\(\)"),
        (returns_the_hash_object, "should be a str of 64 hex digits, but it is a HASH"),
        (forgot_the_update, r"(?s)does not match the sha256 of the file's bytes.*\.update\(\) with each chunk"),
    ],
)
def test_file_sha256_mistakes_are_named(wrong, message):
    with pytest.raises(checks.CheckFailed, match=message):
        pretrained_checks.check_file_sha256(wrong)


def test_an_endless_loader_is_stopped_too():
    def endless(path, sha256):
        while True:
            pass

    with pytest.raises(checks.CheckFailed, match="load_verified had not finished after"):
        pretrained_checks.check_load_verified(endless)


def test_the_line_budget_restores_the_tracer_it_found():
    def tracer(frame, event, arg):
        return None

    sys.settrace(tracer)
    try:
        pretrained_checks.check_file_sha256(file_sha256)
        assert sys.gettrace() is tracer
    finally:
        sys.settrace(None)


def test_an_unfinished_exercise_goes_through_the_hash_check():
    def stub(path):
        raise NotImplementedError("Exercise 1 is not done yet")

    with pytest.raises(NotImplementedError, match="Exercise 1 is not done yet"):
        pretrained_checks.check_file_sha256(stub)


# ---- Exercise 2: load_verified ----------------------------------------------------------------------------------


def load_verified(path, sha256):
    actual = file_sha256(path)
    if actual != sha256:
        raise ValueError(f"{path}: sha256 {actual[:16]}... is not the published {sha256[:16]}...")
    return torch.load(path, map_location="cpu", weights_only=True)


def test_the_right_loader_passes_and_no_payload_is_left_behind(capsys):
    pretrained_checks.check_load_verified(load_verified)
    assert capsys.readouterr().out.startswith("check passed: load_verified loads a genuine checkpoint on the CPU")
    assert pretrained_checks._payload_runs == []


def no_hash_check(path, sha256):
    return torch.load(path, map_location="cpu", weights_only=True)


def loads_before_checking(path, sha256):
    state = torch.load(path, map_location="cpu", weights_only=False)
    if file_sha256(path) != sha256:
        raise ValueError("changed file")
    return state


def unsafe_load(path, sha256):
    if file_sha256(path) != sha256:
        raise ValueError("changed file")
    return torch.load(path, map_location="cpu", weights_only=False)


def default_weights_only(path, sha256):
    if file_sha256(path) != sha256:
        raise ValueError("changed file")
    return torch.load(path, map_location="cpu")


def no_map_location(path, sha256):
    if file_sha256(path) != sha256:
        raise ValueError("changed file")
    return torch.load(path, weights_only=True)


def asserts(path, sha256):
    assert file_sha256(path) == sha256, "changed file"
    return torch.load(path, map_location="cpu", weights_only=True)


def other_error(path, sha256):
    if file_sha256(path) != sha256:
        raise RuntimeError("changed file")
    return torch.load(path, map_location="cpu", weights_only=True)


def prints_a_warning(path, sha256):
    if file_sha256(path) != sha256:
        print("warning: changed file")
    return torch.load(path, map_location="cpu", weights_only=True)


def returns_the_verdict(path, sha256):
    if file_sha256(path) != sha256:
        raise ValueError("changed file")
    return True


def forgot_the_return(path, sha256):
    if file_sha256(path) != sha256:
        raise ValueError("changed file")
    torch.load(path, map_location="cpu", weights_only=True)


def compares_with_is(path, sha256):
    if file_sha256(path) is not sha256:
        raise ValueError("changed file")
    return torch.load(path, map_location="cpu", weights_only=True)


def compares_a_prefix(path, sha256):
    if file_sha256(path)[:8] != sha256[:8]:  # as torch.hub's check_hash does
        raise ValueError("changed file")
    return torch.load(path, map_location="cpu", weights_only=True)


def hashes_the_name(path, sha256):
    if hashlib.sha256(str(path).encode()).hexdigest() != sha256:
        raise ValueError("changed file")
    return torch.load(path, map_location="cpu", weights_only=True)


def opens_as_text(path, sha256):
    with open(path) as f:
        data = f.read()
    if hashlib.sha256(data.encode()).hexdigest() != sha256:
        raise ValueError("changed file")
    return torch.load(path, map_location="cpu", weights_only=True)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (no_hash_check, r"(?s)loaded a file whose sha256 differs.*raise ValueError\(...\) when they differ"),
        (loads_before_checking, r"(?s)ran the code hidden in a file whose hash did not match.*check the hash first"),
        (unsafe_load, r"(?s)ran the code hidden in a file whose hash matched.*publisher is honest.*weights_only=True"),
        (default_weights_only, "does not write weights_only=True: it is torch.load's default only since PyTorch 2.6"),
        (no_map_location, "loads without map_location: a checkpoint saved on a GPU then fails"),
        (asserts, "refused the changed file with an assert: Python skips asserts when run with -O"),
        (other_error, r"raised RuntimeError: changed file, not ValueError"),
        (prints_a_warning, "loaded a file whose sha256 differs from the published one"),
        (returns_the_verdict, r"returned True, not the checkpoint's contents"),
        (forgot_the_return, r"(?s)returned None.*return what torch.load"),
        (compares_with_is, r"(?s)refused a genuine checkpoint with its own sha256.*with == \(or !=\)"),
        (hashes_the_name, "refused a genuine checkpoint with its own sha256"),
        (compares_a_prefix, r"(?s)matches the published one in its first digits only.*compare all 64 hex digits"),
        (opens_as_text, r"(?s)raised UnicodeDecodeError.*a binary file was opened as text"),
    ],
)
def test_load_verified_mistakes_are_named(wrong, message):
    with pytest.raises(checks.CheckFailed, match=message):
        pretrained_checks.check_load_verified(wrong)
    assert pretrained_checks._payload_runs == [], "the record of a payload's run is cleared after each check"


# ---- Exercise 3: fine_tune_model --------------------------------------------------------------------------------


def fine_tune_model(pretrained_model, num_classes):
    model = copy.deepcopy(pretrained_model)
    model.requires_grad_(False)
    model.linear2 = nn.Linear(model.linear2.in_features, num_classes)
    return model


def freezes_with_a_loop(pretrained_model, num_classes):
    model = copy.deepcopy(pretrained_model)
    for p in model.parameters():
        p.requires_grad = False
    model.linear2 = nn.Linear(model.linear2.in_features, num_classes)
    return model


def freezes_linear1_only(pretrained_model, num_classes):
    model = copy.deepcopy(pretrained_model)
    model.linear1.requires_grad_(False)
    model.linear2 = nn.Linear(model.linear2.in_features, num_classes)
    return model


@pytest.mark.parametrize("right", [fine_tune_model, freezes_with_a_loop, freezes_linear1_only])
def test_right_fine_tune_models_pass(right, capsys):
    pretrained_checks.check_fine_tune_model(right)
    assert capsys.readouterr().out == (
        "check passed: fine_tune_model returns a copy whose pretrained layers are frozen (36 numbers) and whose "
        "new linear2 trains (21 numbers), with one output per class\n"
    )


def forgot_to_freeze(pretrained_model, num_classes):
    model = copy.deepcopy(pretrained_model)
    model.linear2 = nn.Linear(model.linear2.in_features, num_classes)
    return model


def froze_after_replacing(pretrained_model, num_classes):
    model = copy.deepcopy(pretrained_model)
    model.linear2 = nn.Linear(model.linear2.in_features, num_classes)
    model.requires_grad_(False)
    return model


def attribute_instead_of_freezing(pretrained_model, num_classes):
    model = copy.deepcopy(pretrained_model)
    model.requires_grad = False
    model.linear2 = nn.Linear(model.linear2.in_features, num_classes)
    return model


def eval_instead_of_freezing(pretrained_model, num_classes):
    model = copy.deepcopy(pretrained_model)
    model.eval()
    model.linear2 = nn.Linear(model.linear2.in_features, num_classes)
    return model


def froze_the_original(pretrained_model, num_classes):
    pretrained_model.requires_grad_(False)
    model = copy.deepcopy(pretrained_model)
    model.linear2 = nn.Linear(model.linear2.in_features, num_classes)
    return model


def no_copy(pretrained_model, num_classes):
    pretrained_model.requires_grad_(False)
    pretrained_model.linear2 = nn.Linear(pretrained_model.linear2.in_features, num_classes)
    return pretrained_model


def notebook_hidden_size(pretrained_model, num_classes):
    model = copy.deepcopy(pretrained_model)
    model.requires_grad_(False)
    model.linear2 = nn.Linear(100, num_classes)  # the notebook's H, typed in
    return model


def kept_the_old_head(pretrained_model, num_classes):
    model = copy.deepcopy(pretrained_model)
    model.requires_grad_(False)
    model.linear2.requires_grad_(True)
    return model


def changed_out_features(pretrained_model, num_classes):
    model = copy.deepcopy(pretrained_model)
    model.requires_grad_(False)
    model.linear2.out_features = num_classes
    return model


def new_layer_never_used(pretrained_model, num_classes):
    model = copy.deepcopy(pretrained_model)
    model.requires_grad_(False)
    model.fc = nn.Linear(model.linear2.in_features, num_classes)
    return model


def a_head_too_many(pretrained_model, num_classes):
    model = copy.deepcopy(pretrained_model)
    model.requires_grad_(False)
    model.linear2 = nn.Linear(model.linear2.in_features, num_classes + 1)
    return model


def changed_the_pretrained_weights(pretrained_model, num_classes):
    model = fine_tune_model(pretrained_model, num_classes)
    with torch.no_grad():
        model.linear1.weight.zero_()
    return model


def returns_none(pretrained_model, num_classes):
    model = copy.deepcopy(pretrained_model)
    model.requires_grad_(False)
    model.linear2 = nn.Linear(model.linear2.in_features, num_classes)


def returns_the_parameters(pretrained_model, num_classes):
    return fine_tune_model(pretrained_model, num_classes).parameters()


@pytest.mark.parametrize(
    "wrong, message",
    [
        (forgot_to_freeze, r"(?s)linear1.weight still requires grad: the pretrained layers are not frozen"),
        (froze_after_replacing, "linear2 does not require grad: the new head is frozen too"),
        (attribute_instead_of_freezing, r"(?s)only gave the module a new attribute.*requires_grad_\(False\) \(with"),
        (eval_instead_of_freezing, r"model.eval\(\) does not freeze anything"),
        (froze_the_original, "the pretrained model itself changed .*: you froze or changed the pretrained model"),
        (no_copy, r"(?s)is the pretrained model itself.*copy.deepcopy"),
        (notebook_hidden_size, r"(?s)forward pass raised RuntimeError.*here H = 6.*shapes do not fit together"),
        (kept_the_old_head, r"output has shape \(7, 4\) but should be \(7, 3\)"),
        (changed_out_features, "out_features says 3, but the layer still computes 4 outputs"),
        (new_layer_never_used, r"(?s)new layer 'fc', but its forward never calls it.*model.linear2 ="),
        (a_head_too_many, r"(?s)output has shape \(7, 4\) but should be \(7, 3\).*one output per class"),
        (changed_the_pretrained_weights, "linear1.weight differs from the pretrained weights"),
        (returns_none, r"(?s)returned None.*return model"),
        (returns_the_parameters, "should return an nn.Module, but it returned a generator"),
    ],
)
def test_fine_tune_model_mistakes_are_named(wrong, message):
    with pytest.raises(checks.CheckFailed, match=message):
        pretrained_checks.check_fine_tune_model(wrong)


# ---- Exercise 4: fine_tune --------------------------------------------------------------------------------------


def fine_tune(model, x, y, x_val, y_val, steps, lr=1e-2):
    optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=lr)
    train_losses, val_losses = [], []
    for _ in range(steps):
        model.train()
        loss = nn.functional.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        train_losses.append(loss.item())
        model.eval()
        with torch.no_grad():
            val_scores = model(x_val)
            val_losses.append(nn.functional.cross_entropy(val_scores, y_val).item())
    val_accuracy = (val_scores.argmax(dim=1) == y_val).float().mean().item()
    return train_losses, val_losses, val_accuracy


def all_parameters_and_a_loss_module(model, x, y, x_val, y_val, steps, lr=1e-2):
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)  # frozen ones have no gradient: Adam skips them
    loss_fn = nn.CrossEntropyLoss()
    train_losses, val_losses = [], []
    for _ in range(steps):
        model.train()
        model.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        train_losses.append(loss.item())
        model.eval()
        with torch.no_grad():
            val_losses.append(loss_fn(model(x_val), y_val).item())
    with torch.no_grad():
        correct = (model(x_val).argmax(1) == y_val).sum().item()
    return train_losses, val_losses, correct / len(y_val)


@pytest.mark.parametrize("right", [fine_tune, all_parameters_and_a_loss_module])
def test_right_fine_tune_loops_pass(right, capsys):
    pretrained_checks.check_fine_tune(right)
    assert capsys.readouterr().out.startswith("check passed: fine_tune makes exactly 6 full-batch Adam steps")


def variant(**changes):
    """Returns a fine_tune with one classic mistake, named by `changes`."""
    c = {
        "zero": True,
        "order": "zbs",
        "new_opt": False,
        "opt": torch.optim.Adam,
        "lr": None,
        "loss": nn.functional.cross_entropy,
        "train": True,
        "eval": True,
        "no_grad": True,
        "item": True,
        "val_on_train": False,
        "train_on_val": False,
        "val_before": False,
        "extra_step": 0,
        "copy": False,
        "accuracy": "fraction",
        "unfreeze": False,
    }
    c.update(changes)

    def loop(model, x, y, x_val, y_val, steps, lr=1e-2):
        if c["copy"]:
            model = copy.deepcopy(model)
        if c["unfreeze"]:
            model.requires_grad_(True)
        if c["train_on_val"]:
            x, y = x_val, y_val
        if c["val_on_train"]:
            x_val, y_val = x, y
        rate = c["lr"] or lr
        make = lambda: c["opt"]([p for p in model.parameters() if p.requires_grad], lr=rate)  # noqa: E731
        optimizer = make()
        train_losses, val_losses = [], []
        for _ in range(steps + c["extra_step"]):
            if c["val_before"]:
                model.eval()
                with torch.no_grad():
                    val_losses.append(nn.functional.cross_entropy(model(x_val), y_val).item())
            if c["new_opt"]:
                optimizer = make()
            if c["train"]:
                model.train()
            loss = c["loss"](model(x), y)
            for action in c["order"]:
                if action == "z" and c["zero"]:
                    optimizer.zero_grad()
                elif action == "b":
                    loss.backward()
                elif action == "s":
                    optimizer.step()
            train_losses.append(loss.item() if c["item"] else loss)
            if not c["val_before"]:
                if c["eval"]:
                    model.eval()
                with torch.no_grad() if c["no_grad"] else torch.enable_grad():
                    val_losses.append(nn.functional.cross_entropy(model(x_val), y_val).item())
        model.eval()
        with torch.no_grad():
            right = (model(x_val).argmax(dim=1) == y_val).float()
        kinds = {"fraction": right.mean().item(), "count": right.sum().item(), "percent": 100 * right.mean().item()}
        return train_losses, val_losses, kinds.get(c["accuracy"], c["accuracy"])

    return loop


def nll_loss(scores, y):
    return nn.functional.nll_loss(scores, y)


def softmax_then_cross_entropy(scores, y):
    return nn.functional.cross_entropy(scores.softmax(dim=1), y)


def summed(scores, y):
    return nn.functional.cross_entropy(scores, y, reduction="sum")


def mse_on_one_hot(scores, y):
    return nn.functional.mse_loss(scores, nn.functional.one_hot(y, scores.shape[1]).to(scores.dtype))


def initial_accuracy(model, x, y, x_val, y_val, steps, lr=1e-2):
    model.eval()
    with torch.no_grad():
        before = (model(x_val).argmax(1) == y_val).float().mean().item()
    train_losses, val_losses, _ = fine_tune(model, x, y, x_val, y_val, steps, lr)
    return train_losses, val_losses, before


def training_accuracy(model, x, y, x_val, y_val, steps, lr=1e-2):
    train_losses, val_losses, _ = fine_tune(model, x, y, x_val, y_val, steps, lr)
    with torch.no_grad():
        return train_losses, val_losses, (model(x).argmax(1) == y).float().mean().item()


def accuracy_tensor(model, x, y, x_val, y_val, steps, lr=1e-2):
    train_losses, val_losses, _ = fine_tune(model, x, y, x_val, y_val, steps, lr)
    with torch.no_grad():
        return train_losses, val_losses, (model(x_val).argmax(1) == y_val).float().mean()


def mini_batches(model, x, y, x_val, y_val, steps, lr=1e-2):
    optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=lr)
    train_losses, val_losses = [], []
    for _ in range(steps):
        model.train()
        half = len(x) // 2
        loss = nn.functional.cross_entropy(model(x[:half]), y[:half])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        train_losses.append(loss.item())
        model.eval()
        with torch.no_grad():
            val_losses.append(nn.functional.cross_entropy(model(x_val), y_val).item())
    return train_losses, val_losses, 0.5


def two_values(model, x, y, x_val, y_val, steps, lr=1e-2):
    return fine_tune(model, x, y, x_val, y_val, steps, lr)[:2]


def forever(model, x, y, x_val, y_val, steps, lr=1e-2):
    optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=lr)
    while True:
        loss = nn.functional.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def float32_data(model, x, y, x_val, y_val, steps, lr=1e-2):
    return fine_tune(model, x.float(), y, x_val, y_val, steps, lr)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (variant(zero=False), "the gradients add up from step to step: optimizer.zero_grad.. is missing"),
        (variant(order="bzs"), r"(?s)the model's head never changed, nor did the training loss.*zeroing between"),
        (variant(new_opt=True), "the optimizer is made inside the loop, so Adam's running averages restart"),
        (variant(opt=torch.optim.SGD), "these are plain SGD steps: the exercise asks for torch.optim.Adam"),
        (variant(opt=torch.optim.AdamW), r"these are AdamW steps, which also shrink the weights"),
        (variant(lr=1e-2), "they use the learning rate 0.01, not the argument lr"),
        (variant(loss=nll_loss), "nll_loss on raw scores: it expects log-probabilities"),
        (variant(loss=softmax_then_cross_entropy), "softmax was applied before cross_entropy"),
        (variant(loss=summed), "the loss is the sum over the batch"),
        (variant(loss=mse_on_one_hot), r"the first training loss is .* the loss is not nn.functional.cross_entropy"),
        (variant(train=False), r"(?s)training forward passes ran in eval mode.*model.train\(\) at the start"),
        (variant(eval=False), r"(?s)held-out loss was measured in training mode.*model.eval\(\) before"),
        (variant(no_grad=False), r"(?s)with autograd recording a graph that nothing uses.*torch.no_grad"),
        (variant(item=False), r"(?s)train_losses holds tensors: return Python numbers.*append loss.item\(\)"),
        (variant(val_on_train=True), "the held-out loss was measured on the training batch x: measure it on x_val"),
        (variant(train_on_val=True), "never ran the model on the training batch x: it trained on x_val"),
        (variant(val_before=True), "each held-out loss was measured before the step's update"),
        (variant(extra_step=1), "fine_tune made 7 optimizer steps for steps=6: over the budget"),
        (variant(extra_step=-1), "fine_tune made 5 optimizer steps for steps=6"),
        (
            variant(copy=True),
            "fine_tune never trained the model it received: it trained a copy",
        ),
        (variant(unfreeze=True), "fine_tune unfroze linear1.weight"),
        (variant(accuracy="count"), "it counts the right answers"),
        (variant(accuracy="percent"), "it is a percentage: return the fraction"),
        (variant(accuracy=None), "val_accuracy should be a number between 0 and 1, not a NoneType"),
        (initial_accuracy, "it is the accuracy before training"),
        (training_accuracy, "it is the accuracy on the training batch x: measure it on x_val"),
        (accuracy_tensor, r"val_accuracy is a tensor"),
        (mini_batches, r"the model saw batches of \[6\] rows: each step here is one full batch"),
        (two_values, "should return three values"),
        (forever, "for a budget of 6( steps)?: does the loop end"),
        (float32_data, r"(?s)raised RuntimeError.*different dtypes"),
    ],
)
def test_fine_tune_mistakes_are_named(wrong, message):
    with pytest.raises(checks.CheckFailed, match=message):
        pretrained_checks.check_fine_tune(wrong)


def test_the_checks_data_tells_the_accuracy_mistakes_apart():
    """The named accuracy mistakes must give numbers other than the right one on the check's own data."""
    model, x, y, x_val, y_val = pretrained_checks._fine_tune_data()
    start = copy.deepcopy(model)
    fine_tune(model, x, y, x_val, y_val, pretrained_checks.STEPS, pretrained_checks.RATE)
    right = pretrained_checks._accuracy(model, x_val, y_val)
    others = [pretrained_checks._accuracy(model, x, y), pretrained_checks._accuracy(start, x_val, y_val)]
    assert 0 < right < 1 and all(abs(o - right) > 1e-9 for o in others), (right, others)


def test_the_step_hooks_are_removed_after_a_check():
    pretrained_checks.check_fine_tune(fine_tune)
    with pytest.raises(checks.CheckFailed):
        pretrained_checks.check_fine_tune(variant(extra_step=1))
    model = nn.Linear(2, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(500):  # far past any check's limit: no hook is left to stop it
        model(torch.ones(1, 2)).sum().backward()
        optimizer.step()


# ---- The challenge's step budget --------------------------------------------------------------------------------


def steps_of(count):
    model = nn.Linear(2, 1)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.1)
    for _ in range(count):
        model(torch.ones(1, 2)).sum().backward()
        optimizer.step()
    return model


def test_within_steps_returns_the_result_within_the_budget_and_fails_beyond_it():
    assert isinstance(pretrained_checks.within_steps(10, lambda: steps_of(10)), nn.Linear)
    with pytest.raises(checks.CheckFailed, match=re.escape("made 11 optimizer steps: the challenge allows 10")):
        pretrained_checks.within_steps(10, lambda: steps_of(11))


def test_within_steps_lets_an_unattempted_challenge_through():
    def stub():
        raise NotImplementedError("The challenge is not attempted yet: go fast.")

    with pytest.raises(NotImplementedError, match="not attempted yet"):
        pretrained_checks.within_steps(10, stub)
    steps_of(20)  # the hook is gone
