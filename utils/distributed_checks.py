"""Checks for notebook 09's exercises: gradients averaged by hand, a DistributedSampler's shard, training with DDP.

Exercises 1 and 3 run where they belong, in the ranks of a torchrun job: each rank imports the student's module
(a file the notebook writes) through utils/rank_tasks.py, calls the student's function on the running example and
saves what it holds; the check reads that back and compares it, here in the notebook, with one process doing the
same work on the whole batch. A rank's NotImplementedError (an exercise not written yet) comes back as that very
error; a rank's other errors as a CheckFailed naming the rank, the line of the student's file, and the course's
lesson. When a result matches a classic mistake (a sum where the mean belongs, a copy reduced, every rank on the
whole batch, no DistributedSampler, no set_epoch, no DDP), the message names it. Exercise 2 runs in the notebook,
against DistributedSampler itself. Failures go through checks.fail.
"""

import re
import tempfile
from pathlib import Path

import torch
from torch.optim.optimizer import register_optimizer_step_post_hook
from torch.utils.data import DistributedSampler

from utils import checks, launch, rank_tasks

TOL = 1e-6  # float64 everywhere: round-off stays near 1e-15, far below it
JOB_TIMEOUT = 180  # seconds for a check's torchrun job (a loaded 2-core machine needs 10-30 s)


# ---------------------------------------------------------------- running the student's module in the ranks


def run_in_ranks(task, student_files, backend="gloo", nproc=2, timeout=JOB_TIMEOUT):
    """Returns {student file stem: {rank: what that rank saved}} after a torchrun job of rank_tasks `task`.

    Raises LaunchError when the job failed without saving results (a rank killed, a missing backend, a timeout).
    """
    files = [Path(f) for f in ([student_files] if isinstance(student_files, (str, Path)) else student_files)]
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        checks.fail(
            f"There is no file {missing[0]}.", "run the cell that writes it (it starts with %%writefile) first."
        )
    launch.check_backend(backend)
    with tempfile.TemporaryDirectory() as out:
        command = ["torchrun", "--standalone", f"--nproc_per_node={nproc}", "-m", "utils.rank_tasks", task, out]
        ranks = launch.torchrun([*command, backend, *map(str, files)], timeout=timeout, show=False, check=False)
        results = {}
        for f in files:
            saved = {r: Path(out) / f"{f.stem}.rank{r}.pt" for r in range(nproc)}
            results[f.stem] = {r: torch.load(p, weights_only=True) for r, p in saved.items() if p.exists()}
    if ranks.failure and not any(r.get("error") for per_file in results.values() for r in per_file.values()):
        raise launch.LaunchError(f"The check's torchrun job failed: {ranks.failure}")
    return results


def raise_rank_errors(results, call, expected, cause=""):
    """Returns None when no rank saved an error; else raises it: NotImplementedError as is, others as CheckFailed."""
    errors = {rank: r["error"] for rank, r in sorted(results.items()) if r.get("error")}
    if not errors:
        return
    for error in errors.values():
        if error["type"] == "NotImplementedError":
            raise NotImplementedError(error["message"])
    primary = [r for r, e in errors.items() if not launch.SECONDARY.search(e["message"])] or list(errors)
    rank, error = primary[0], errors[primary[0]]
    also = [r for r in errors if r != rank]
    same = all((errors[r]["type"], errors[r]["message"]) == (error["type"], error["message"]) for r in also)
    where = f"\n  at {error['where']}" if error["where"] else ""
    hint = "; ".join(part for part in (cause, error["lesson"]) if part)
    message = " ".join(error["message"].split())
    message = message if len(message) <= 400 else message[:400] + " ..."
    others = ", ".join(map(str, also))
    if not also:
        said = f"{call} raised {error['type']} on rank {rank} instead of {expected}."
    elif same:
        said = f"{call} raised {error['type']} on rank {rank} (the same on rank {others}) instead of {expected}."
    else:
        said = f"{call} raised {error['type']} on rank {rank} (and an error on rank {others}) instead of {expected}."
    error_line = f"{error['type']}: {message}" if message else error["type"]
    checks.fail(f"{said}{where}\nThe error itself: {error_line}", hint)


def _results(results, nproc_hint=""):
    """Returns {rank: result} after checking that every rank saved one."""
    if not results:
        checks.fail("No rank saved a result: the job ended before the check's code ran." + nproc_hint)
    world = next(iter(results.values()))["world_size"]
    missing = [r for r in range(world) if r not in results]
    if missing:
        checks.fail(f"rank {missing[0]} saved no result: it ended before the check's code could save it.")
    return results


# ---------------------------------------------------------------- Exercise 1: gradients averaged by hand


def _flat(tensors):
    return torch.cat([t.reshape(-1) for t in tensors])


def _gradients(model, x, y, rows, reduction="mean"):
    """Returns the gradients (a list, one per parameter) of the loss on rows `rows` of (x, y)."""
    model.zero_grad()
    torch.nn.functional.mse_loss(model(x[rows]), y[rows], reduction=reduction).backward()
    return [p.grad.detach().clone() for p in model.parameters()]


def _same(a, b, tol=1e-9):
    return a.shape == b.shape and checks.rel_error(a, b) < tol


NAMES = ("the first layer's weight", "the first layer's bias", "the second layer's weight", "the second layer's bias")


def judge_gradients(results, source=""):
    """Returns None when every rank used its own shard and holds the averaged gradients; else fails naming why."""
    results = _results(results)
    world = results[0]["world_size"]
    x, y, model = rank_tasks.running_example()
    rows = {r: results[r]["rows"] for r in range(world)}
    for rank, used in rows.items():
        if not used:
            checks.fail(
                f"On rank {rank}, data_parallel_gradients never ran the model.",
                "compute this rank's predictions, model(x_shard), then the loss on them and loss.backward().",
            )
        if -1 in used:
            checks.fail(
                f"On rank {rank}, the model got inputs that are not rows of x.",
                "give the model a slice of x itself, such as x.tensor_split(world_size)[rank], unchanged.",
            )
    if all(sorted(used) == list(range(len(x))) for used in rows.values()) and world > 1:
        checks.fail(
            f"Every rank ran the model on the whole batch of {len(x)} rows.",
            "data parallelism splits the batch: each rank computes the gradient on its own shard only, "
            "x.tensor_split(world_size)[rank] (and the same rows of y), and all_reduce combines the shards' gradients.",
        )
    for a in range(world):
        for b in range(a + 1, world):
            shared = sorted(set(rows[a]) & set(rows[b]))
            if shared:
                checks.fail(
                    f"Ranks {a} and {b} both used rows {shared[:4]}{' ...' if len(shared) > 4 else ''} of the batch.",
                    "pick the shard by the rank, dist.get_rank(): x.tensor_split(world_size)[rank].",
                )
    unused = sorted(set(range(len(x))) - {i for used in rows.values() for i in used})
    if unused:
        checks.fail(
            f"No rank used rows {unused[:4]}{' ...' if len(unused) > 4 else ''} of the batch.",
            "the shards must cover the whole batch: x.tensor_split(world_size) cuts it into world_size parts.",
        )
    grads = {r: results[r]["grads"] for r in range(world)}
    for rank, g in grads.items():
        if any(t is None for t in g):
            checks.fail(
                f"On rank {rank}, a parameter's .grad is None after data_parallel_gradients.",
                "call loss.backward() on this rank's loss before averaging the gradients.",
            )
    if any(results[r]["weights_changed"] for r in range(world)):
        checks.fail(
            "data_parallel_gradients changed the weights themselves.",
            "it averages the gradients only (reduce p.grad, not p); the optimizer's step comes later, on every rank.",
        )
    local = {r: _gradients(model, x, y, rows[r]) for r in range(world)}
    expected = [sum(local[r][i] for r in range(world)) / world for i in range(len(local[0]))]
    for rank in range(world):
        _judge_rank_gradients(rank, grads[rank], local[rank], expected, world, len(x), {r: grads[r] for r in grads})
    if not re.search(r"get_world_size|WORLD_SIZE|ReduceOp\.AVG", source):
        checks.fail(
            "The number of ranks is written as a number in your function.",
            "read it from the process group, dist.get_world_size(): the same code then runs on 8 GPUs.",
        )


def _judge_rank_gradients(rank, got, local, expected, world, n, all_grads, outputs=rank_tasks.D_OUT):
    got_flat, expected_flat, local_flat = _flat(got), _flat(expected), _flat(local)
    if _same(got_flat, expected_flat, TOL):
        return
    others = [r for r, g in all_grads.items() if r != rank and _same(_flat(g), expected_flat, TOL)]
    if others:
        checks.fail(
            f"Rank {others[0]} holds the averaged gradients, but rank {rank} does not.",
            "dist.reduce leaves the result on one rank only: dist.all_reduce gives it to every rank, which each "
            "needs for its own weight update.",
        )
    if not got_flat.any():
        checks.fail(
            f"On rank {rank}, every gradient is zero.",
            "keep the gradients that loss.backward() left in p.grad: no model.zero_grad() after it.",
        )
    if world > 1 and _same(got_flat, local_flat):
        checks.fail(
            f"On rank {rank}, the gradients are still the rank's own: they were not averaged.",
            "dist.all_reduce works in place, on the very tensor it gets: pass p.grad itself (not a copy such as "
            "p.grad.clone(), nor a list built from it), for every parameter p.",
        )
    mistakes = {
        "they are the sum over the ranks: divide by the world size, dist.get_world_size(), after all_reduce.": world,
        "they are divided by the world size twice.": 1 / world,
        f"the loss sums over the shard: use the mean, F.mse_loss(y_pred, y), so that each shard's gradient is on the "
        f"scale of the whole batch's (these are {n // world * outputs} times too large).": n / world * outputs,
        "the loss sums over the shard and the gradients are summed over the ranks: use the mean loss, and average.": n
        * outputs,
    }
    for mistake, factor in mistakes.items():
        if world > 1 and _same(got_flat, factor * expected_flat):
            checks.fail(f"On rank {rank}, the gradients are not the average of the ranks' gradients: {mistake}")
    partial = [
        name
        for name, g, e, lo in zip(NAMES, got, expected, local)
        if not _same(g.reshape(-1), e.reshape(-1), TOL) and _same(g.reshape(-1), lo.reshape(-1))
    ]
    if partial and len(partial) < len(got):
        checks.fail(
            f"On rank {rank}, {partial[0]} was not averaged."
            if len(partial) == 1
            else f"On rank {rank}, {', '.join(partial)} were not averaged.",
            "average every parameter's gradient, biases included: loop over model.parameters().",
        )
    checks.compare(
        f"rank {rank}'s gradients",
        got_flat,
        expected_flat,
        tol=TOL,
        against="the average of the ranks' shard gradients",
        hint="each rank: loss on its shard, loss.backward(), then for each p: dist.all_reduce(p.grad), "
        "p.grad /= world_size.",
    )


def check_data_parallel_gradients(path, backend="gloo", nproc=2):
    """Returns None; prints "check passed" when data_parallel_gradients(model, x, y), from the file `path`, run in
    `nproc` ranks, leaves on every rank the average of the shards' gradients: the whole batch's gradient."""
    path = Path(path)
    results = run_in_ranks("gradients", path, backend, nproc)[path.stem]
    raise_rank_errors(
        results,
        "data_parallel_gradients(model, x, y)",
        "averaging the gradients",
        "each rank computes the loss on its shard, calls loss.backward(), then all-reduces every p.grad",
    )
    judge_gradients(results, path.read_text(encoding="utf-8"))
    results = _results(results)
    x, y, model = rank_tasks.running_example()
    full = _flat(_gradients(model, x, y, list(range(len(x)))))
    equal_shards = len({len(results[r]["rows"]) for r in results}) == 1
    if equal_shards:
        checks.compare("the averaged gradient", _flat(results[0]["grads"]), full, TOL, against="the full batch's")
    held = (
        f"the gradient of the whole batch, as one process computes it (relative error below {TOL:.0e})"
        if equal_shards
        else "the average of the shards' gradients"
    )
    print(f"check passed: data_parallel_gradients: each rank used its own shard of the batch, and after all_reduce "
          f"every rank holds {held}")  # fmt: skip


# ---------------------------------------------------------------- Exercise 2: a DistributedSampler's shard


def sampler_shard(n, rank, world_size, epoch, seed):
    """Returns the list of indexes that DistributedSampler(shuffle=True) gives `rank` in `epoch` (the reference)."""
    sampler = DistributedSampler(range(n), num_replicas=world_size, rank=rank, shuffle=True, seed=seed)
    sampler.set_epoch(epoch)
    return list(sampler)


def _as_indexes(value, call):
    if isinstance(value, torch.Tensor):
        value = value.tolist()
    if not isinstance(value, (list, tuple)) or not all(isinstance(i, int) for i in value):
        checks.fail(
            f"{call} returned {type(value).__name__}, not a list of indexes (whole numbers).",
            "return a Python list of ints, such as order[rank::world_size] (a tensor's .tolist() gives one).",
        )
    return list(value)


def _shard_mistakes(n, rank, world, epoch, seed):
    """Returns {what went wrong: the shard it gives} for the classic slips in writing a sampler's shard."""
    total = -(-n // world) * world

    def perm(s):
        return torch.randperm(n, generator=torch.Generator().manual_seed(s)).tolist()

    def padded(order):
        return order + order[: total - n]

    order = padded(perm(seed + epoch))
    k = total // world
    return {
        "contiguous": order[rank * k : (rank + 1) * k],
        "unshuffled": padded(list(range(n)))[rank::world],
        "no epoch": padded(perm(seed))[rank::world],
        "rank seed": padded(perm(seed + epoch + rank))[rank::world],
        "no padding": perm(seed + epoch)[rank::world],
        "dropped": perm(seed + epoch)[: n - n % world][rank::world],
        "padded from the end": (perm(seed + epoch) + perm(seed + epoch)[n - (total - n) :])[rank::world],
        "padded anyway": (perm(seed + epoch) + perm(seed + epoch)[: world - n % world])[rank::world],
    }


def _shard_hint(name, rank, epoch, got, n, world):
    """Returns the hint for the shard mistake `name` (each an f-string of its own: a template for the translations)."""
    return {
        "contiguous": f"rank {rank} got a contiguous block of the order. DistributedSampler deals the order out like "
        "cards: rank r takes every world_size-th item, starting at position r: order[rank::world_size].",
        "unshuffled": "the items are not shuffled: draw the order with torch.randperm(n, generator=g).",
        "no epoch": f"epoch {epoch} gives the order of epoch 0: seed the generator with seed + epoch, so that each "
        "epoch is shuffled anew (that is what sampler.set_epoch(epoch) tells DistributedSampler).",
        "rank seed": "each rank shuffled with a seed of its own: every rank must draw the same order (seed + epoch) "
        "and take its own share of it, otherwise the shards overlap and some items are never seen.",
        "no padding": f"rank {rank} got {got} items and another rank more: pad the order to a multiple of world_size "
        "by repeating its first items, so that every rank runs the same number of steps (a rank that runs out early "
        "leaves the others waiting in the next all_reduce).",
        "dropped": "the last items were dropped: DistributedSampler (drop_last=False, the default) pads the order by "
        "repeating its first items instead.",
        "padded from the end": "the padding repeats the last items: DistributedSampler repeats the first items of "
        "the order, order + order[:padding].",
        "padded anyway": f"rank {rank} got {got} items: {n} items on {world} ranks need no padding. The padding is "
        "what is missing to the next multiple of world_size, -n % world_size, which is 0 here (world_size - n % "
        "world_size is world_size).",
    }[name]


def check_shard_indices(shard_indices):
    """Returns None; prints "check passed" when shard_indices(n, rank, world_size, epoch, seed) gives every rank the
    items DistributedSampler(shuffle=True, seed=seed) gives it after set_epoch(epoch)."""
    cases = [(64, 2, 0, 7), (64, 2, 1, 7), (10, 4, 0, 3), (10, 3, 1, 3)]
    for n, world, epoch, seed in cases:
        for rank in range(world):
            call = f"shard_indices({n}, {rank}, {world}, {epoch}, {seed})"
            with checks.running(call, expected="a list of indexes"):
                got = _as_indexes(shard_indices(n, rank, world, epoch, seed), call)
                again = _as_indexes(shard_indices(n, rank, world, epoch, seed), call)
            if got != again:
                checks.fail(
                    f"{call} gave two different lists in two calls.",
                    "draw the order from a generator of your own, g = torch.Generator(); g.manual_seed(seed + epoch), "
                    "not from torch's global one: every rank must draw the same order, every time.",
                )
            expected = sampler_shard(n, rank, world, epoch, seed)
            if got == expected:
                continue
            for name, shard in _shard_mistakes(n, rank, world, epoch, seed).items():
                if got == shard:
                    hint = _shard_hint(name, rank=rank, epoch=epoch, got=len(got), n=n, world=world)
                    checks.fail(f"{call} is not the shard DistributedSampler gives: {hint}")
            if sorted(got) != sorted(expected):
                checks.fail(
                    f"{call} returned the items {sorted(got)[:12]}, but rank {rank}'s shard holds "
                    f"{sorted(expected)[:12]}{' ...' if len(expected) > 12 else ''}.",
                    "shuffle with torch.randperm(n, generator=g), g seeded with seed + epoch; pad to a multiple of "
                    "world_size with the first items; then take order[rank::world_size].",
                )
            checks.fail(
                f"{call} holds the right items in another order: {got[:8]} instead of {expected[:8]}.",
                "keep the order in which they come from order[rank::world_size].",
            )
    print(
        "check passed: shard_indices gives each rank the very items of DistributedSampler, in its order "
        "(64 items on 2 ranks, 10 items on 3 and 4 ranks with padding, epochs 0 and 1)"
    )


# ---------------------------------------------------------------- Exercise 3: training with DDP


def expected_batches(world, epochs, batch_size, seed, n=rank_tasks.N):
    """Returns {rank: [index batches]}: what each rank's DataLoader gives with DistributedSampler and set_epoch."""
    batches = {}
    for rank in range(world):
        batches[rank] = []
        for epoch in range(epochs):
            shard = sampler_shard(n, rank, world, epoch, seed)
            batches[rank] += [shard[i : i + batch_size] for i in range(0, len(shard), batch_size)]
    return batches


def train_like_one_process(batches, learning_rate, reduction="mean", zero_grad=True):
    """Returns the state_dict of the running example's net trained by one process with plain SGD, where step j
    uses the union of every rank's j-th batch: what DDP computes (an average of equal-sized batches' means)."""
    x, y, model = rank_tasks.running_example()
    optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)
    ranks = sorted(batches)
    for step in range(len(batches[ranks[0]])):
        rows = [i for r in ranks for i in batches[r][step]]
        if zero_grad:
            optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x[rows]), y[rows], reduction=reduction)
        # with reduction="sum", each rank's gradient is a sum over its own batch, and DDP averages them
        (loss / len(ranks) if reduction == "sum" else loss).backward()
        optimizer.step()
    return {k: v.detach() for k, v in model.state_dict().items()}


def _epochs(batches, epochs):
    size = len(batches) // epochs if epochs else 0
    return [batches[e * size : (e + 1) * size] for e in range(epochs)]


def judge_ddp(results, epochs=rank_tasks.EPOCHS, batch_size=rank_tasks.BATCH_SIZE, seed=rank_tasks.ORDER_SEED,
              learning_rate=rank_tasks.LEARNING_RATE):  # fmt: skip
    """Returns the list of "check passed" lines when train() did what DDP training does; else fails naming why."""
    results = _results(results)
    world = results[0]["world_size"]
    expected = expected_batches(world, epochs, batch_size, seed)
    seen = {}
    for rank in range(world):
        seen[rank] = results[rank]["seen"]
        if seen[rank] is None:
            checks.fail(
                f"train returned {results[rank]['seen_type']}, not the list of index batches it trained on.",
                "each batch is (index, x, y): append index.tolist(), the batch's item numbers, and return the list.",
            )
        _judge_shard(rank, seen[rank], world, epochs, batch_size)
    _judge_overlap(seen, epochs)
    for rank in range(world):
        _judge_order(rank, seen[rank], expected[rank], world, epochs, batch_size, seed)
    passed = [
        f"each rank trained on its own shard of every epoch, in batches of {batch_size}, as "
        "DistributedSampler(dataset, seed=seed) gives it",
        "a new order each epoch, the same on every rank (sampler.set_epoch(epoch))",
    ]
    _judge_weights(results, world, expected, learning_rate)
    passed.append("every rank ends with the same weights (DDP averaged the gradients)")
    passed.append(
        f"the weights equal those of one process trained with SGD on the same {len(expected[0])} batches of "
        f"{batch_size * world} items (relative error below {TOL:.0e})"
    )
    return passed


def _judge_shard(rank, seen, world, epochs, batch_size, n=rank_tasks.N):
    """Fails when rank `rank` saw no batches, the whole dataset, or batches of another size."""
    if not seen:
        checks.fail(f"Rank {rank} returned no batches: train should return the index batches it trained on.")
    flat = [i for batch in seen for i in batch]
    if world > 1 and len(flat) == epochs * n and all(sorted(e) == list(range(n)) for e in _epochs(flat, epochs)):
        checks.fail(
            f"Rank {rank} went through the whole dataset ({n} items) in every epoch: so did every other rank, and "
            "the work was done twice instead of shared.",
            "give the DataLoader a sampler, sampler = DistributedSampler(dataset, seed=seed) (it takes the process "
            "group's rank and world size), and no shuffle=True.",
        )
    sizes = sorted({len(batch) for batch in seen})
    if sizes != [batch_size]:
        checks.fail(
            f"Rank {rank}'s batches hold {', '.join(map(str, sizes))} items, not batch_size = {batch_size}.",
            "batch_size is each rank's batch: DataLoader(dataset, batch_size=batch_size, sampler=sampler).",
        )


def _judge_overlap(seen, epochs):
    """Fails when two ranks trained on the same items in the same epoch."""
    first = {rank: {i for batch in _epochs(batches, epochs)[0] for i in batch} for rank, batches in seen.items()}
    for a in first:
        for b in first:
            shared = sorted(first[a] & first[b]) if a < b else []
            if shared:
                checks.fail(
                    f"Ranks {a} and {b} both trained on items {shared[:4]}{' ...' if len(shared) > 4 else ''} in the "
                    "first epoch.",
                    "every rank's DistributedSampler needs the same seed, seed=seed: it draws one order for all the "
                    "ranks, and each takes its own share of it.",
                )


def _judge_order(rank, seen, expected, world, epochs, batch_size, seed, n=rank_tasks.N):
    """Fails when rank `rank`'s batches are not those of DistributedSampler(seed=seed) with set_epoch(epoch)."""
    if seen == expected:
        return
    if len(seen) != len(expected):
        checks.fail(
            f"Rank {rank} trained on {len(seen)} batches, not {len(expected)} ({epochs} epochs of "
            f"{len(expected) // epochs}).",
            "one pass over the DataLoader per epoch, for epoch in range(epochs).",
        )
    per_epoch, want = _epochs(seen, epochs), _epochs(expected, epochs)
    if epochs > 1 and per_epoch[0] == want[0] and all(e == per_epoch[0] for e in per_epoch):
        checks.fail(
            f"Rank {rank} saw its items in the same order in every epoch.",
            "call sampler.set_epoch(epoch) at the start of each epoch: DistributedSampler shuffles with seed + epoch.",
        )
    if epochs > 1 and per_epoch[0] == want[1]:
        checks.fail(
            f"Rank {rank}'s first epoch has the order of epoch 1.",
            "call sampler.set_epoch(epoch) with the epoch's own number, from 0, before the epoch's batches.",
        )
    if seed != 0 and seen == expected_batches(world, epochs, batch_size, 0)[rank]:
        checks.fail(
            f"Rank {rank}'s batches follow DistributedSampler's default seed, 0, not the seed given to train.",
            "DistributedSampler(dataset, seed=seed): the order then repeats from run to run as the caller asks.",
        )
    unshuffled = list(range(rank, n, world))
    if per_epoch[0] == [unshuffled[i : i + batch_size] for i in range(0, len(unshuffled), batch_size)]:
        checks.fail(
            f"Rank {rank}'s items are not shuffled: {unshuffled[:4]} ...",
            "DistributedSampler shuffles by default (shuffle=True): leave it so, with seed=seed.",
        )
    shard = sorted(i for batch in want[0] for i in batch)
    if sorted(i for batch in per_epoch[0] for i in batch) == shard:
        checks.fail(
            f"Rank {rank} saw the right items in another order: the shuffle differs from DistributedSampler's.",
            "DistributedSampler(dataset, seed=seed) with shuffle left at True, and no other shuffling.",
        )
    checks.fail(
        f"Rank {rank}'s batches differ from DistributedSampler's: {per_epoch[0][0]} instead of {want[0][0]} first.",
        "DistributedSampler(dataset, seed=seed), DataLoader(dataset, batch_size=batch_size, sampler=sampler), "
        "and sampler.set_epoch(epoch) before each epoch.",
    )


def _judge_weights(results, world, expected, learning_rate):
    """Fails when the ranks' weights are not all those of one process trained on the union of their batches."""
    _, _, initial = rank_tasks.running_example()
    flat = {r: _flat(list(results[r]["state"].values())) for r in range(world)}
    if not all(torch.isfinite(f).all() for f in flat.values()):
        checks.fail(
            "The trained weights hold nan or inf: training diverged.",
            "use the mean loss, nn.MSELoss(), and lr=learning_rate: a loss summed over the batch (reduction='sum') "
            "or a larger learning rate makes the steps too large.",
        )
    if torch.equal(flat[0], _flat([v.detach() for v in initial.state_dict().values()])):
        checks.fail(
            "The weights did not change: the model was not trained.",
            "an optimizer over ddp_model.parameters(), and in each step optimizer.step() after loss.backward().",
        )
    differ = [r for r in range(1, world) if not _same(flat[r], flat[0], TOL)]
    if differ:
        checks.fail(
            f"Ranks 0 and {differ[0]} end with different weights: their gradients were not averaged, so each rank "
            "trained a model of its own on its own shard.",
            "wrap the model, ddp_model = DDP(model), and call ddp_model(x) in the loop: DDP's hooks average the "
            "gradients during loss.backward() (model(x) bypasses them).",
        )
    reference = _flat(list(train_like_one_process(expected, learning_rate).values()))
    if _same(flat[0], reference, TOL):
        return
    variants = {
        f"the learning rate is {world} times too large: with DDP each step already uses the average gradient of "
        "the global batch; keep lr=learning_rate.": train_like_one_process(expected, learning_rate * world),
        "the loss sums over each batch: use the mean, nn.MSELoss() (DDP averages the ranks' gradients, as the "
        "mean loss of the global batch needs).": train_like_one_process(expected, learning_rate, "sum"),
        "the gradients pile up from step to step: call optimizer.zero_grad() in every step, before "
        "loss.backward().": train_like_one_process(expected, learning_rate, zero_grad=False),
        f"the learning rate is divided by {world}: keep lr=learning_rate.": train_like_one_process(
            expected, learning_rate / world
        ),
    }
    for mistake, state in variants.items():
        if _same(flat[0], _flat(list(state.values())), TOL):
            checks.fail(f"The trained weights are not those of one process on the same batches: {mistake}")
    checks.compare(
        "the trained weights",
        flat[0],
        reference,
        tol=TOL,
        against="one process trained with SGD on the same batches",
        hint="in each step: ddp_model(x), the mean squared error nn.MSELoss(), optimizer.zero_grad(), "
        "loss.backward(), optimizer.step(), with torch.optim.SGD(ddp_model.parameters(), lr=learning_rate).",
    )


def check_train(path, backend="gloo", nproc=2):
    """Returns None; prints "check passed" lines when train(model, dataset, epochs, batch_size, learning_rate, seed),
    from the file `path`, run in `nproc` ranks, trains with DistributedSampler and DDP as one process would."""
    path = Path(path)
    results = run_in_ranks("ddp", path, backend, nproc)[path.stem]
    raise_rank_errors(
        results,
        "train(model, dataset, epochs, batch_size, learning_rate, seed)",
        "training the model",
        "each batch of the dataset is (index, x, y); train makes the sampler, the DataLoader, DDP(model) and the "
        "optimizer, then runs the loop",
    )
    for line in judge_ddp(results):
        print(f"check passed: {line}")


# ---------------------------------------------------------------- the challenge: large batches


def count_steps(run):
    """Returns (what run() returns, how many optimizer steps it took): every torch.optim optimizer's step() counts."""
    steps = []
    handle = register_optimizer_step_post_hook(lambda optimizer, args, kwargs: steps.append(1))
    try:
        result = run()
    finally:
        handle.remove()
    return result, len(steps)


def loss_within_steps(counted, training_loss, max_steps):
    """Returns training_loss(model) for counted = (model, steps), or infinity (saying why) past max_steps steps."""
    model, steps = counted
    if not isinstance(model, torch.nn.Module):
        checks.fail(f"train_large_batch returned {type(model).__name__}, not the trained model.", "return model.")
    if steps > max_steps:
        print(f"Your run took {steps} optimizer steps, more than the {max_steps} allowed: its loss does not count.")
        return float("inf")
    return training_loss(model)
