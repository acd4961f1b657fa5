"""The lessons behind PyTorch's classic error messages, shown under the error itself (introduced in notebook 01).

`lesson_for(error)` returns the course's one-line explanation of an exception that students meet again and again
(a shape mismatch, mixed dtypes or devices, an in-place update of a weight outside torch.no_grad(), backward()
under no_grad, the 2017 `if w1.grad:`, a weight rebound by `w1 = w1 - ...`, a binary file opened as text...), or
"" when it knows none. Checkers use it through checks.running; `show_lessons()`, called once in a notebook's
set-up cell, adds the lesson as a note under the traceback of any cell that raises such an error, with
PyTorch's own message kept above it. Importing this module changes nothing.
"""

import re

from utils import i18n

# (exception class name or "", a pattern of its message, the lesson). The first match wins.
LESSONS = [
    (
        "RuntimeError",
        r"Error\(s\) in loading state_dict for \w+:\s+size mismatch",
        "a saved weight's shape differs from the model's: the checkpoint was saved from a model of other sizes "
        "(another H or number of classes). Build the model with the sizes it was trained with, then load.",
    ),
    (
        "RuntimeError",
        r"shapes cannot be multiplied|size mismatch|must match the size of tensor|size of tensor a .* must match",
        "two tensors' shapes do not fit together. Print each operand's .shape: in a @ b the inner sizes must agree "
        "(a transposed operand, .t(), is the usual cause). In a backward pass, a gradient has the shape of the tensor "
        "it belongs to.",
    ),
    (
        "RuntimeError",
        r"expected scalar type|same dtype|dtype .* but (got|expected)|found dtype",
        "two tensors have different dtypes, float32 and float64 for example: numpy arrays are float64 by default. "
        "Convert one with .float() or .double().",
    ),
    (
        "RuntimeError",
        r"Expected all tensors to be on the same device",
        "tensors live on different devices: move every input and the model to the same one with .to(device).",
    ),
    (
        "RuntimeError",
        r"a leaf Variable that requires grad is being used in an in-place operation",
        "a weight that requires grad was changed in place while autograd was recording: do the update inside "
        "`with torch.no_grad():`.",
    ),
    (
        "RuntimeError",
        r"does not require grad and does not have a grad_fn",
        "the loss has no graph to go back through: it was computed under torch.no_grad(), or from weights that no "
        "longer require grad (`w1 = w1 - ...` under no_grad makes a new tensor without requires_grad). Compute the "
        "forward pass outside no_grad, and update the weights in place: `w1 -= learning_rate * w1.grad`.",
    ),
    (
        "RuntimeError",
        r"backward through the graph a second time",
        "backward() ran twice through the same graph, whose saved values the first call freed. Compute a new "
        "forward pass and loss for each backward().",
    ),
    (
        "RuntimeError",
        r"Boolean value of Tensor with more than one value is ambiguous",
        "`if tensor:` has no meaning for a tensor of many entries. The 2017 idiom `if w1.grad: w1.grad.zero_()` "
        "fails this way: write `if w1.grad is not None:`, or zero with w1.grad.zero_() after every update.",
    ),
    (
        "",
        r"'NoneType' object has no attribute '(zero_|data|item)'|unsupported operand type\(s\) for .*NoneType",
        "a .grad is None. Either backward() has not run yet, or the weight is no longer the leaf tensor autograd "
        "fills: `w1 = w1 - learning_rate * w1.grad` makes w1 a new tensor. Update in place, under torch.no_grad().",
    ),
    (
        "RuntimeError",
        r"modified by an inplace operation",
        "a tensor that autograd saved for the backward pass was changed in place afterwards (h[h < 0] = 0 on a "
        "tensor of the graph, for example). Compute a new tensor instead (h.clamp(min=0)), or .clone() first.",
    ),
    (
        "RuntimeError",
        r"grad can be implicitly created only for scalar outputs",
        "backward() needs one number: reduce the loss to a single element with .sum() or .mean() first.",
    ),
    (
        "RuntimeError",
        r"Can't call numpy\(\) on Tensor that requires grad",
        "a tensor in the graph cannot become a numpy array: use .detach().numpy() (and .cpu() first on a GPU).",
    ),
    (
        "TypeError",
        r"can't convert .* device type tensor to numpy",
        "numpy works on the CPU only: call .cpu() before .numpy().",
    ),
    (
        "",
        r"a bytes-like object is required, not 'str'|codec can't decode byte",
        "a binary file was opened as text: open it with mode 'rb' (and write with 'wb').",
    ),
    (
        "",
        r"cannot assign module before Module.__init__\(\) call|has no attribute '_modules'",
        "an nn.Module's __init__ must call super().__init__() before it assigns any layer.",
    ),
    (
        "ValueError",
        r"optimizer got an empty parameter list",
        "the model has no registered parameters: layers kept in a plain Python list are not registered (use "
        "nn.ModuleList), and a module must call super().__init__() first.",
    ),
    (
        "AttributeError",
        r"'float' object has no attribute",
        "a Python float is used where a tensor is needed: .item() turns a one-element tensor into a float, which "
        "has no graph. Keep the tensor for backward(); use .item() only to log or print.",
    ),
    (
        "",
        r"only one element tensors can be converted to Python scalars",
        "a tensor of many entries went where Python wants one number: math.exp, math.sqrt, float() and the like work "
        "on single numbers. Use torch's own function, torch.exp(x), which works entry by entry (and autograd "
        "follows it).",
    ),
    (
        "",
        r"Torch not compiled with CUDA enabled|Found no NVIDIA driver|[Nn]o CUDA GPUs are available",
        "this machine (or this build of PyTorch) has no CUDA GPU, and a CUDA-only call ran anyway. Let the `device` "
        'variable decide: guard calls such as torch.cuda.synchronize() with `if device.type == "cuda":`, and move '
        "tensors with .to(device) rather than .cuda().",
    ),
    (
        "NameError",
        r"name 'QUESTION_\d+' is not defined",
        "the key to this concept question is built by the cell just above it (its code is hidden), which has not "
        "run yet: run that cell first, or Run > Run All Above, then this one.",
    ),
    (
        "IndexError",
        r"invalid index of a 0-dim tensor",
        "a one-element tensor has no index [0] since PyTorch 0.4: read its number with .item().",
    ),
    (
        "",
        r"DataLoader worker .* exited unexpectedly|Can't (pickle|get attribute)",
        "the DataLoader's worker processes could not import your Dataset: define it in a .py module (or use "
        "num_workers=0), as notebook 06 shows.",
    ),
    (
        "",
        r"Weights only load failed",
        "torch.load(..., weights_only=True) refused to run code stored in the file: load only files of tensors, "
        "from a source you trust, and check their sha256 first.",
    ),
    (
        "NotImplementedError",
        r'Module \[(ModuleList|ModuleDict)\] is missing the required "forward" function',
        "an nn.ModuleList (or ModuleDict) only holds modules and cannot be called: loop over it and call each one, "
        "for block in self.blocks: h = block(h).",
    ),
    (
        "NotImplementedError",
        r'missing the required "forward" function',
        "an nn.Module subclass needs a method named forward(self, x), spelled exactly so and indented inside the "
        "class: model(x) calls it.",
    ),
    (
        "TypeError",
        r"forward\(\) takes 1 positional argument but \d+ were given",
        "forward is missing its first parameter: def forward(self, x) in an nn.Module (self is the module), "
        "def forward(ctx, x) in an autograd Function (ctx is where it saves what backward needs).",
    ),
    (
        "TypeError",
        r"__init__\(\) takes 1 positional argument but \d+ were given",
        "the class got arguments that no __init__ of its own accepts: is def __init__(self, ...) spelled with two "
        "underscores on each side, indented inside the class, and does it list the arguments? (In an nn.Module, "
        "super().__init__() itself takes no arguments.)",
    ),
    (
        "RuntimeError",
        r"returned an incorrect number of gradients",
        "a custom Function's backward returns one gradient per input of forward, in forward's order, with None for "
        "an input that needs none (ctx.needs_input_grad says which).",
    ),
    (
        "RuntimeError",
        r"returned an invalid gradient at index \d+ - got",
        "a custom Function's backward returned a gradient of the wrong shape: each gradient has the shape of the "
        "input it belongs to (a transposed product, or a sum over the wrong dimension, is the usual cause).",
    ),
    (
        "RuntimeError",
        r"Legacy autograd function with non-static forward method",
        "since PyTorch 1.3 a custom Function has @staticmethod forward(ctx, ...) and backward(ctx, ...), and is "
        "called through MyFunction.apply(x), not MyFunction()(x) as in 2017.",
    ),
    (
        "TypeError",
        r"save_for_backward can only save variables",
        "ctx.save_for_backward takes tensors only: keep other values (a shape, a number) as attributes of ctx, "
        "such as ctx.shape = x.shape.",
    ),
    (
        "TypeError",
        r"unsupported operand type\(s\) for .*'tuple'",
        "a tuple was used in arithmetic: ctx.saved_tensors is a tuple, even of one tensor. Unpack it with a comma, "
        "`x, = ctx.saved_tensors`.",
    ),
    (
        "TypeError",
        r"is not a Module subclass",
        "nn.Sequential takes layer objects, one by one, each created with its parentheses: nn.ReLU(), not the class "
        "nn.ReLU nor the function torch.relu; a list of layers is unpacked with a star, nn.Sequential(*layers).",
    ),
    (
        "TypeError",
        r"step\(\) missing 1 required positional argument: 'closure'",
        "this optimizer (LBFGS) evaluates the loss several times per step: pass it a function that zeroes the "
        "gradients, computes the loss, calls backward() and returns the loss: optimizer.step(closure).",
    ),
    (
        "ValueError",
        r"(too many|not enough) values to unpack",
        "`a, b = ...` got another number of values than it has names: count what the right-hand side holds (a "
        "function's return values; ctx.saved_tensors holds exactly the tensors given to save_for_backward, in order).",
    ),
    (
        "TypeError",
        r"Strings must be encoded before hashing",
        "hashlib hashes bytes, not text: open the file in binary mode ('rb'), so that read() returns bytes.",
    ),
    (
        "RuntimeError",
        r"Attempting to deserialize object on a CUDA device",
        "the checkpoint was saved on a GPU and this machine has none: load it with torch.load(..., "
        "map_location='cpu', weights_only=True), then move the model to your device.",
    ),
    (
        "RuntimeError",
        r"Error\(s\) in loading state_dict for \w+:\s+(Missing|Unexpected) key",
        "the state_dict's names do not fit the model: load weights into the architecture they were saved from "
        "(same layer names), and save model.state_dict(), not the model or the optimizer.",
    ),
    (
        "ValueError",
        r"sampler option is mutually exclusive with shuffle",
        "shuffle=True makes the DataLoader build a RandomSampler of its own: pass either shuffle=True (with "
        "generator=... for a repeatable order) or a sampler of yours, not both.",
    ),
    (
        "RuntimeError",
        r"stack expects each tensor to be equal size",
        "torch.stack, and the DataLoader's default collate_fn that stacks the items of a batch, need tensors of one "
        "size: make the items one size (a transform), or pad them in a collate_fn of your own, as notebook 06 does.",
    ),
    (
        "TypeError",
        r"'method' object is not iterable",
        "a method was passed where its result belongs: call it, with its parentheses, such as "
        "torch.optim.SGD(model.parameters(), lr=...), not model.parameters.",
    ),
    (
        "ValueError",
        r"Default process group has not been initialized",
        "torch.distributed's calls work only inside a process group: in a process that torchrun started, after "
        "dist.init_process_group(backend). The notebook's own process is not one of the ranks.",
    ),
    (
        "RuntimeError",
        r"Distributed package doesn't have \w+ built in",
        "this PyTorch build lacks that communication backend. nccl needs CUDA GPUs (on Linux); on a CPU, macOS or "
        'Windows use gloo, which the standard builds include: backend = "nccl" if device.type == "cuda" else "gloo".',
    ),
    (
        "",
        r"Connection closed by peer|Timed out waiting \d+ms for (recv|send)",
        "a rank waited in a collective (all_reduce, broadcast, barrier) for another rank that never joined it: that "
        "rank crashed, ended early or skipped the call. Every rank must make the same collective calls in the same "
        "order (a collective inside `if rank == 0:` is the classic cause): read the other ranks' errors first.",
    ),
    (
        "DistStoreError",
        r"wait timeout after \d+ms",
        "a rank waited, in init_process_group, for ranks that never joined: one crashed or was still starting (a "
        "busy machine can take many seconds to import PyTorch in every rank), or the ranks disagree on WORLD_SIZE "
        "or the rendezvous; the timeout=timedelta(...) given to init_process_group bounds that wait.",
    ),
    (
        "ValueError",
        r"trying to initialize the default process group twice",
        "dist.init_process_group runs once per process, at its start: code that is given a running process group "
        "(a function the ranks call) must not call it again; to start over, dist.destroy_process_group() first.",
    ),
    (
        "TypeError",
        r"Expected parameter `tensor` of type torch.Tensor\s+but got <class 'NoneType'>",
        "a collective (dist.all_reduce, ...) got None instead of a tensor: a parameter's .grad stays None until "
        "loss.backward() has run on this rank.",
    ),
    (
        "ConnectionError",
        r"Error connecting to Visdom server",
        "no Visdom server answers at that address and port: start one (`python3 course.py visdom`) and use the port "
        "it prints. In notebook 08, `live.connect` checks first, and plots inline when no server answers.",
    ),
]


def lesson_for(error):
    """Returns the course's lesson for the exception `error` (one or two sentences), or "" when it has none."""
    name, text = type(error).__name__, str(error)
    for kind, pattern, lesson in LESSONS:
        if (not kind or isinstance(error, Exception) and name == kind) and re.search(pattern, text):
            return lesson
    return ""


def _show_with_lesson(shell, etype, value, tb, tb_offset=None):
    """IPython's handler for errors in cells: the usual traceback, with the lesson added as its last note."""
    lesson = lesson_for(value)
    notes = getattr(value, "__notes__", [])
    note = i18n.translate(f"Course note: {lesson}")  # in the course language in use (utils/i18n.py)
    if lesson and note not in notes:
        value.add_note(note)
    shell.showtraceback((etype, value, tb), tb_offset=tb_offset)


def show_lessons():
    """Returns None; in IPython, adds the course's lesson under the traceback of every classic error from now on.

    Outside IPython (a script, pytest) it does nothing. The traceback and PyTorch's message stay as they are.
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None:
        shell.set_custom_exc((Exception,), _show_with_lesson)
