"""Notebook 09's checks (utils/distributed_checks.py) pass the right answers and name each classic mistake.

Exercises 1 and 3 run in real torchrun jobs of two gloo ranks on the CPU. To keep this quick, one job checks many
answers (rank_tasks takes several files): each answer below is written to a file, the job runs them one after the
other, and each test judges one file's results as the check does. Answers whose ranks make different collective
calls (they would leave the others waiting) get a job of their own. The check cells' own path (launch, read back,
judge, print) is tried end to end on the unfinished exercises, whose NotImplementedError must come back unchanged.
"""

import re
import textwrap

import pytest
import torch

from utils import checks, distributed_checks, rank_tasks

# ---------------------------------------------------------------- Exercise 1

GRADIENTS_HEAD = """
import torch
import torch.distributed as dist
import torch.nn.functional as F


def data_parallel_gradients(model, x, y):
"""

SHARD = """    rank, world_size = dist.get_rank(), dist.get_world_size()
    x_shard, y_shard = x.tensor_split(world_size)[rank], y.tensor_split(world_size)[rank]
"""

GRADIENT_ANSWERS = {
    "right": SHARD
    + """    F.mse_loss(model(x_shard), y_shard).backward()
    for p in model.parameters():
        dist.all_reduce(p.grad)
        p.grad /= world_size
""",
    "right_avg_op_strided": """    rank, world_size = dist.get_rank(), dist.get_world_size()
    F.mse_loss(model(x[rank::world_size]), y[rank::world_size]).backward()
    for p in model.parameters():
        dist.all_reduce(p.grad, op=dist.ReduceOp.AVG)
""",
    "right_divide_first": SHARD
    + """    F.mse_loss(model(x_shard), y_shard).backward()
    for p in model.parameters():
        p.grad /= world_size
        dist.all_reduce(p.grad)
""",
    "summed": SHARD
    + """    F.mse_loss(model(x_shard), y_shard).backward()
    for p in model.parameters():
        dist.all_reduce(p.grad)
""",
    "copy_reduced": SHARD
    + """    F.mse_loss(model(x_shard), y_shard).backward()
    for p in model.parameters():
        g = p.grad.clone()
        dist.all_reduce(g)
        g /= world_size
""",
    "flat_copy_reduced": SHARD
    + """    F.mse_loss(model(x_shard), y_shard).backward()
    flat = torch.cat([p.grad.flatten() for p in model.parameters()])
    dist.all_reduce(flat)
    flat /= world_size
""",
    "whole_batch": """    world_size = dist.get_world_size()
    F.mse_loss(model(x), y).backward()
    for p in model.parameters():
        dist.all_reduce(p.grad)
        p.grad /= world_size
""",
    "same_shard": """    world_size = dist.get_world_size()
    F.mse_loss(model(x[:32]), y[:32]).backward()
    for p in model.parameters():
        dist.all_reduce(p.grad)
        p.grad /= world_size
""",
    "half_unused": """    rank, world_size = dist.get_rank(), dist.get_world_size()
    F.mse_loss(model(x[rank * 8 : rank * 8 + 8]), y[rank * 8 : rank * 8 + 8]).backward()
    for p in model.parameters():
        dist.all_reduce(p.grad)
        p.grad /= world_size
""",
    "sum_loss": SHARD
    + """    F.mse_loss(model(x_shard), y_shard, reduction="sum").backward()
    for p in model.parameters():
        dist.all_reduce(p.grad)
        p.grad /= world_size
""",
    "sum_loss_summed": SHARD
    + """    F.mse_loss(model(x_shard), y_shard, reduction="sum").backward()
    for p in model.parameters():
        dist.all_reduce(p.grad)
""",
    "weights_only": SHARD
    + """    F.mse_loss(model(x_shard), y_shard).backward()
    for layer in (model[0], model[2]):
        dist.all_reduce(layer.weight.grad)
        layer.weight.grad /= world_size
""",
    "divided_twice": SHARD
    + """    F.mse_loss(model(x_shard), y_shard).backward()
    for p in model.parameters():
        p.grad /= world_size
        dist.all_reduce(p.grad)
        p.grad /= world_size
""",
    "reduce_to_rank_0": SHARD
    + """    F.mse_loss(model(x_shard), y_shard).backward()
    for p in model.parameters():
        dist.reduce(p.grad, dst=0)
        p.grad /= world_size
""",
    "weights_reduced": SHARD
    + """    F.mse_loss(model(x_shard), y_shard).backward()
    for p in model.parameters():
        dist.all_reduce(p.data)
""",
    "stepped": SHARD
    + """    F.mse_loss(model(x_shard), y_shard).backward()
    for p in model.parameters():
        dist.all_reduce(p.grad)
        p.grad /= world_size
        p.data -= 0.1 * p.grad
""",
    "zeroed_after": SHARD
    + """    F.mse_loss(model(x_shard), y_shard).backward()
    for p in model.parameters():
        dist.all_reduce(p.grad)
        p.grad /= world_size
    model.zero_grad(set_to_none=False)
""",
    "right_grad_rebound": SHARD
    + """    F.mse_loss(model(x_shard), y_shard).backward()
    for p in model.parameters():
        dist.all_reduce(p.grad)
        p.grad = p.grad / world_size
""",
    "world_size_written": """    rank = dist.get_rank()
    F.mse_loss(model(x.tensor_split(2)[rank]), y.tensor_split(2)[rank]).backward()
    for p in model.parameters():
        dist.all_reduce(p.grad)
        p.grad /= 2
""",
    "no_backward": SHARD
    + """    F.mse_loss(model(x_shard), y_shard)
    for p in model.parameters():
        dist.all_reduce(p.grad)
        p.grad /= world_size
""",
    "model_never_run": SHARD
    + """    for p in model.parameters():
        p.grad = torch.zeros_like(p)
""",
    "float32_inputs": SHARD
    + """    F.mse_loss(model(x_shard.float()), y_shard.float()).backward()
""",
}

GRADIENT_MISTAKES = {
    "summed": "they are the sum over the ranks: divide by the world size",
    "copy_reduced": "the gradients are still the rank's own: they were not averaged.\nHint: dist.all_reduce works",
    "flat_copy_reduced": "nor a list built from it",
    "whole_batch": "Every rank ran the model on the whole batch of 64 rows.",
    "same_shard": "Ranks 0 and 1 both used rows [0, 1, 2, 3] ... of the batch.\nHint: pick the shard by the rank",
    "half_unused": "No rank used rows [16, 17, 18, 19] ... of the batch.",
    "sum_loss": "the loss sums over the shard: use the mean, F.mse_loss(y_pred, y)",
    "sum_loss_summed": "the loss sums over the shard and the gradients are summed over the ranks",
    "weights_only": "the first layer's bias, the second layer's bias were not averaged.\nHint: average every",
    "divided_twice": "they are divided by the world size twice.",
    "reduce_to_rank_0": "Rank 0 holds the averaged gradients, but rank 1 does not.\nHint: dist.reduce leaves",
    "weights_reduced": "data_parallel_gradients changed the weights themselves.",
    "stepped": "data_parallel_gradients changed the weights themselves.",
    "world_size_written": "The number of ranks is written as a number in your function.",
    "zeroed_after": "On rank 0, every gradient is zero.\nHint: keep the gradients that loss.backward() left",
    "no_backward": "raised TypeError on rank 0 (the same on rank 1) instead of averaging the gradients.\n  at line",
    "model_never_run": "On rank 0, data_parallel_gradients never ran the model.",
    "float32_inputs": "raised RuntimeError on rank 0 (the same on rank 1) instead of averaging the gradients.",
}


def write_answers(folder, head, answers):
    paths = []
    for name, body in answers.items():
        path = folder / f"{name}.py"
        path.write_text(textwrap.dedent(head).lstrip() + body)
        paths.append(path)
    return paths


@pytest.fixture(scope="module")
def gradient_results(tmp_path_factory):
    folder = tmp_path_factory.mktemp("gradients")
    paths = write_answers(folder, GRADIENTS_HEAD, GRADIENT_ANSWERS)
    return {"folder": folder, **distributed_checks.run_in_ranks("gradients", paths)}


def judge_gradients(results, name):
    """Runs the check's judgement of answer `name` on its ranks' results (the check cell does the same)."""
    distributed_checks.raise_rank_errors(
        results[name], "data_parallel_gradients(model, x, y)", "averaging the gradients", "each rank computes ..."
    )
    distributed_checks.judge_gradients(results[name], (results["folder"] / f"{name}.py").read_text())


@pytest.mark.parametrize("name", ["right", "right_avg_op_strided", "right_divide_first", "right_grad_rebound"])
def test_right_averages_pass(gradient_results, name):
    judge_gradients(gradient_results, name)


@pytest.mark.parametrize("name, message", GRADIENT_MISTAKES.items(), ids=list(GRADIENT_MISTAKES))
def test_each_classic_gradient_mistake_is_named(gradient_results, name, message):
    with pytest.raises(checks.CheckFailed) as info:
        judge_gradients(gradient_results, name)
    assert message in str(info.value), str(info.value)


def test_an_error_in_a_rank_names_the_rank_the_line_and_the_lesson(gradient_results):
    with pytest.raises(checks.CheckFailed) as info:
        judge_gradients(gradient_results, "no_backward")
    message = str(info.value)
    assert "\n  at line 11: dist.all_reduce(p.grad)\n" in message
    assert "The error itself: TypeError: Invalid function argument." in message
    assert "a parameter's .grad stays None until loss.backward() has run" in message, "the course's lesson"


def test_a_collective_on_one_rank_only_ends_with_the_lesson(tmp_path):
    """Rank 0 all-reduces, rank 1 does not: rank 1 finishes, rank 0's all_reduce fails at once (its peer is gone)."""
    body = (
        SHARD
        + """    F.mse_loss(model(x_shard), y_shard).backward()
    if rank == 0:
        for p in model.parameters():
            dist.all_reduce(p.grad)
"""
    )
    (path,) = write_answers(tmp_path, GRADIENTS_HEAD, {"rank_0_only": body})
    with pytest.raises(checks.CheckFailed) as info:
        distributed_checks.check_data_parallel_gradients(path)
    message = str(info.value)
    assert "raised RuntimeError on rank 0" in message and "Connection closed by peer" in message, message
    assert "a collective inside `if rank == 0:` is the classic cause" in message


def test_the_unfinished_exercise_stops_with_its_own_message(tmp_path):
    stub = '    raise NotImplementedError("Exercise 1 is not done yet: this rank\'s shard. Replace this raise.")\n'
    (path,) = write_answers(tmp_path, GRADIENTS_HEAD, {"average": stub})
    with pytest.raises(NotImplementedError) as info:
        distributed_checks.check_data_parallel_gradients(path)
    assert str(info.value) == "Exercise 1 is not done yet: this rank's shard. Replace this raise."
    assert type(info.value) is NotImplementedError


def test_a_file_not_written_yet_is_named(tmp_path):
    with pytest.raises(checks.CheckFailed, match=r"There is no file .*average\.py\.\nHint: run the cell"):
        distributed_checks.check_data_parallel_gradients(tmp_path / "average.py")


def test_a_syntax_error_in_the_module_names_its_line():
    results = {
        0: {"error": {"type": "SyntaxError", "message": "invalid syntax", "where": "line 9: for p in", "lesson": ""}},
        1: {"error": {"type": "SyntaxError", "message": "invalid syntax", "where": "line 9: for p in", "lesson": ""}},
    }
    with pytest.raises(checks.CheckFailed, match=r"raised SyntaxError on rank 0 .*\n  at line 9: for p in"):
        distributed_checks.raise_rank_errors(results, "data_parallel_gradients(model, x, y)", "averaging")


def test_a_syntax_error_is_recorded_with_its_line_in_the_rank(tmp_path):
    path = tmp_path / "broken.py"
    path.write_text("def data_parallel_gradients(model, x, y)\n    pass\n")
    with pytest.raises(SyntaxError) as info:
        rank_tasks.load_student_module(path)
    record = rank_tasks.error_record(info.value, path)
    assert record["type"] == "SyntaxError" and record["where"].startswith("line 1: def data_parallel_gradients")


# ---------------------------------------------------------------- Exercise 2


def right_shard(n, rank, world_size, epoch, seed):
    g = torch.Generator()
    g.manual_seed(seed + epoch)
    order = torch.randperm(n, generator=g).tolist()
    order += order[: -n % world_size]
    return order[rank::world_size]


def perm(n, seed):
    return torch.randperm(n, generator=torch.Generator().manual_seed(seed)).tolist()


def padded(order, world):
    return order + order[: -len(order) % world]


SHARD_MISTAKES = {
    "contiguous blocks": (
        lambda n, r, w, e, s: padded(perm(n, s + e), w)[r * (-(-n // w)) : (r + 1) * (-(-n // w))],
        "rank 0 got a contiguous block of the order",
    ),
    "not shuffled": (lambda n, r, w, e, s: padded(list(range(n)), w)[r::w], "the items are not shuffled"),
    "epoch ignored": (lambda n, r, w, e, s: padded(perm(n, s), w)[r::w], "epoch 1 gives the order of epoch 0"),
    "a seed per rank": (lambda n, r, w, e, s: padded(perm(n, s + e + r), w)[r::w], "each rank shuffled with a seed"),
    "no padding": (lambda n, r, w, e, s: perm(n, s + e)[r::w], "pad the order to a multiple of world_size"),
    "tail dropped": (lambda n, r, w, e, s: perm(n, s + e)[: n - n % w][r::w], "the last items were dropped"),
    "padded from the end": (
        lambda n, r, w, e, s: (perm(n, s + e) + perm(n, s + e)[n - (-n % w) :])[r::w],
        "the padding repeats the last items",
    ),
    "padded when not needed": (
        lambda n, r, w, e, s: (perm(n, s + e) + perm(n, s + e)[: w - n % w])[r::w],
        "64 items on 2 ranks need no padding",
    ),
    "torch's global generator": (
        lambda n, r, w, e, s: padded(torch.randperm(n).tolist(), w)[r::w],
        "gave two different lists in two calls",
    ),
    "python's random": (
        lambda n, r, w, e, s: padded(__import__("random").Random(s + e).sample(range(n), n), w)[r::w],
        "shuffle with torch.randperm(n, generator=g)",
    ),
    "a set": (lambda n, r, w, e, s: set(right_shard(n, r, w, e, s)), "returned set, not a list of indexes"),
    "sorted": (lambda n, r, w, e, s: sorted(right_shard(n, r, w, e, s)), "the right items in another order"),
    "one rank's items for all": (lambda n, r, w, e, s: right_shard(n, 0, w, e, s), "returned the items"),
}


def test_the_right_shard_passes(capsys):
    distributed_checks.check_shard_indices(right_shard)
    assert capsys.readouterr().out.startswith("check passed: shard_indices gives each rank the very items")


def test_a_tensor_of_indexes_is_accepted_too():
    distributed_checks.check_shard_indices(lambda *args: torch.tensor(right_shard(*args)))


@pytest.mark.parametrize("name", SHARD_MISTAKES, ids=list(SHARD_MISTAKES))
def test_each_classic_shard_mistake_is_named(name):
    wrong, message = SHARD_MISTAKES[name]
    with pytest.raises(checks.CheckFailed) as info:
        distributed_checks.check_shard_indices(wrong)
    assert message in str(info.value), str(info.value)


def test_an_error_in_shard_indices_becomes_a_lesson():
    def broken(n, rank, world_size, epoch, seed):
        order = torch.randperm(n, generator=torch.Generator().manual_seed(seed + epoch))
        return order + order[: -n % world_size]  # a tensor plus a tensor of another length

    with pytest.raises(checks.CheckFailed) as info:
        distributed_checks.check_shard_indices(broken)
    message = str(info.value)
    assert message.startswith("shard_indices(64, 0, 2, 0, 7) raised RuntimeError instead of returning a list")
    assert "The error itself: RuntimeError: The size of tensor a (64) must match" in message


def test_the_unfinished_shard_exercise_goes_through():
    def stub(*args):
        raise NotImplementedError("Exercise 2 is not done yet")

    with pytest.raises(NotImplementedError, match="Exercise 2 is not done yet"):
        distributed_checks.check_shard_indices(stub)


# ---------------------------------------------------------------- Exercise 3

TRAIN_HEAD = """
import torch
from torch import nn
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, DistributedSampler


def train(model, dataset, epochs, batch_size, learning_rate, seed):
"""

RIGHT_TRAIN = """    sampler = DistributedSampler(dataset, seed=seed)
    loader = DataLoader(dataset, batch_size=batch_size, sampler=sampler)
    ddp_model = DDP(model)
    optimizer = torch.optim.SGD(ddp_model.parameters(), lr=learning_rate)
    loss_fn = nn.MSELoss()
    seen = []
    for epoch in range(epochs):
        sampler.set_epoch(epoch)
        for index, x, y in loader:
            seen.append(index.tolist())
            loss = loss_fn(ddp_model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return seen
"""


def variant(old, new):
    assert old in RIGHT_TRAIN, old
    return RIGHT_TRAIN.replace(old, new)


SAMPLER = (
    "sampler = DistributedSampler(dataset, seed=seed)\n    loader = DataLoader(dataset, batch_size=batch_size, "
    "sampler=sampler)"
)
NO_EPOCHS = "        sampler.set_epoch(epoch)\n"

TRAIN_ANSWERS = {
    "right": RIGHT_TRAIN,
    "right_tensor_batches": variant("seen.append(index.tolist())", "seen.append(index)"),
    "right_zero_grad_first": variant(
        "            loss = loss_fn(ddp_model(x), y)\n            optimizer.zero_grad()\n",
        "            optimizer.zero_grad()\n            loss = loss_fn(ddp_model(x), y)\n",
    ),
    "no_sampler": variant(SAMPLER, "loader = DataLoader(dataset, batch_size=batch_size)").replace(NO_EPOCHS, ""),
    "shuffle_instead": variant(SAMPLER, "loader = DataLoader(dataset, batch_size=batch_size, shuffle=True)").replace(
        NO_EPOCHS, ""
    ),
    "sampler_and_shuffle": variant("sampler=sampler)", "sampler=sampler, shuffle=True)"),
    "no_set_epoch": RIGHT_TRAIN.replace(NO_EPOCHS, ""),
    "set_epoch_plus_one": variant("sampler.set_epoch(epoch)", "sampler.set_epoch(epoch + 1)"),
    "default_seed": variant("DistributedSampler(dataset, seed=seed)", "DistributedSampler(dataset)"),
    "seed_per_rank": variant(
        "DistributedSampler(dataset, seed=seed)",
        "DistributedSampler(dataset, seed=seed + torch.distributed.get_rank())",
    ),
    "not_shuffled": variant("DistributedSampler(dataset, seed=seed)", "DistributedSampler(dataset, shuffle=False)"),
    "global_batch_size": variant("batch_size=batch_size,", "batch_size=batch_size * 2,"),
    "one_epoch": variant("range(epochs)", "range(1)"),
    "nothing_returned": variant("    return seen\n", ""),
    "no_ddp": variant("ddp_model = DDP(model)", "ddp_model = model"),
    "inner_model_called": variant("loss_fn(ddp_model(x), y)", "loss_fn(model(x), y)"),
    "sum_loss": variant("nn.MSELoss()", "nn.MSELoss(reduction='sum')"),
    "no_zero_grad": variant("            optimizer.zero_grad()\n", ""),
    "lr_times_world": variant("lr=learning_rate", "lr=learning_rate * torch.distributed.get_world_size()"),
    "lr_over_world": variant("lr=learning_rate", "lr=learning_rate / torch.distributed.get_world_size()"),
    "no_step": variant("            optimizer.step()\n", ""),
    "adam": variant("torch.optim.SGD", "torch.optim.Adam"),
    "two_values_per_batch": variant("for index, x, y in loader:", "for x, y in loader:"),
    "inputs_kept": variant("seen.append(index.tolist())", "seen.append(x)"),
    "set_epoch_after": variant(NO_EPOCHS, "").replace(
        "    return seen\n", "        sampler.set_epoch(epoch)\n    return seen\n"
    ),
    "group_started_again": variant(
        "    sampler = DistributedSampler",
        '    torch.distributed.init_process_group("gloo")\n    sampler = DistributedSampler',
    ),
}

TRAIN_MISTAKES = {
    "no_sampler": "Rank 0 went through the whole dataset (64 items) in every epoch",
    "shuffle_instead": "Hint: give the DataLoader a sampler, sampler = DistributedSampler(dataset, seed=seed)",
    "sampler_and_shuffle": "The error itself: ValueError: sampler option is mutually exclusive with shuffle",
    "no_set_epoch": "Rank 0 saw its items in the same order in every epoch.\nHint: call sampler.set_epoch(epoch)",
    "set_epoch_plus_one": "Rank 0's first epoch has the order of epoch 1.",
    "default_seed": "Rank 0's batches follow DistributedSampler's default seed, 0, not the seed given to train.",
    "seed_per_rank": "Ranks 0 and 1 both trained on items",
    "not_shuffled": "Rank 0's items are not shuffled",
    "global_batch_size": "Rank 0's batches hold 16 items, not batch_size = 8.",
    "one_epoch": "Rank 0 trained on 4 batches, not 8 (2 epochs of 4).",
    "nothing_returned": "train returned NoneType, not the list of index batches it trained on.",
    "no_ddp": "Ranks 0 and 1 end with different weights: their gradients were not averaged",
    "inner_model_called": "call ddp_model(x) in the loop: DDP's hooks average the gradients",
    "sum_loss": "a loss summed over the batch (reduction='sum')",
    "no_zero_grad": "the gradients pile up from step to step: call optimizer.zero_grad() in every step",
    "lr_times_world": "the learning rate is 2 times too large",
    "lr_over_world": "the learning rate is divided by 2",
    "no_step": "The weights did not change: the model was not trained.",
    "adam": "with torch.optim.SGD(ddp_model.parameters(), lr=learning_rate)",
    "two_values_per_batch": "ValueError: too many values to unpack (expected 2)",
    "inputs_kept": "train returned list[Tensor[8, 1000]], not the list of index batches",
    "set_epoch_after": "Rank 0 saw its items in the same order in every epoch.",
    "group_started_again": "dist.init_process_group runs once per process",
}


@pytest.fixture(scope="module")
def train_results(tmp_path_factory):
    paths = write_answers(tmp_path_factory.mktemp("train"), TRAIN_HEAD, TRAIN_ANSWERS)
    return distributed_checks.run_in_ranks("ddp", paths)


def judge_train(results, name):
    distributed_checks.raise_rank_errors(results[name], "train(model, dataset, ...)", "training the model")
    return distributed_checks.judge_ddp(results[name])


@pytest.mark.parametrize("name", ["right", "right_tensor_batches", "right_zero_grad_first"])
def test_right_ddp_training_passes_piece_by_piece(train_results, name):
    passed = judge_train(train_results, name)
    assert len(passed) == 4 and passed[0].startswith("each rank trained on its own shard of every epoch")
    assert re.search(r"one process trained with SGD on the same 8 batches of 16 items", passed[3])


@pytest.mark.parametrize("name, message", TRAIN_MISTAKES.items(), ids=list(TRAIN_MISTAKES))
def test_each_classic_ddp_mistake_is_named(train_results, name, message):
    with pytest.raises(checks.CheckFailed) as info:
        judge_train(train_results, name)
    assert message in str(info.value), str(info.value)


def test_the_unfinished_ddp_exercise_stops_with_its_own_message(tmp_path):
    stub = '    raise NotImplementedError("Exercise 3 is not done yet: a DistributedSampler.")\n'
    (path,) = write_answers(tmp_path, TRAIN_HEAD, {"train_ddp": stub})
    with pytest.raises(NotImplementedError, match=r"^Exercise 3 is not done yet: a DistributedSampler\.$"):
        distributed_checks.check_train(path)


def test_the_one_process_reference_is_what_ddp_computes():
    """Two ranks' batches of 8, averaged, are one batch of 16: the reference trains on the union of each step's."""
    batches = distributed_checks.expected_batches(2, 2, 8, 7)
    assert [len(b) for b in batches[0]] == [8] * 8 and not set(batches[0][0]) & set(batches[1][0])
    state = distributed_checks.train_like_one_process(batches, 0.05)
    x, y, model = rank_tasks.running_example()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    for step in range(8):
        rows = batches[0][step] + batches[1][step]
        optimizer.zero_grad()
        torch.nn.functional.mse_loss(model(x[rows]), y[rows]).backward()
        optimizer.step()
    assert all(torch.equal(state[k], v) for k, v in model.state_dict().items())


# ---------------------------------------------------------------- the challenge


def test_the_challenge_counts_optimizer_steps_and_refuses_a_run_past_the_budget(capsys):
    model = torch.nn.Linear(3, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

    def steps(k):
        for _ in range(k):
            optimizer.zero_grad()
            model(torch.ones(2, 3)).sum().backward()
            optimizer.step()
        return model

    counted = distributed_checks.count_steps(lambda: steps(5))
    assert counted == (model, 5)
    assert distributed_checks.loss_within_steps(counted, lambda m: 0.5, max_steps=5) == 0.5
    assert distributed_checks.loss_within_steps(counted, lambda m: 0.5, max_steps=4) == float("inf")
    assert "took 5 optimizer steps, more than the 4 allowed" in capsys.readouterr().out
    with pytest.raises(checks.CheckFailed, match="returned NoneType, not the trained model"):
        distributed_checks.loss_within_steps((None, 3), lambda m: 0.5, max_steps=4)
    assert distributed_checks.count_steps(lambda: steps(2))[1] == 2, "the count starts again at each run"
