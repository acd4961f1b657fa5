"""Pictures of the computational graph autograd records, without Graphviz (introduced in notebook 02).

autograd_graph walks a tensor's `grad_fn` back to the leaf tensors and returns a networkx DiGraph;
draw_autograd_graph draws it with matplotlib, one row per layer, inputs at the top and the output at the bottom.
Only networkx and matplotlib are needed, so it works where the Graphviz program is missing (Windows, Colab).
"""

import matplotlib.pyplot as plt
import networkx as nx
import torch

COLORS = {"leaf": "#cfe2f3", "op": "#eeeeee", "output": "#d9ead3"}


def _shape_text(tensor):
    return "scalar" if tensor.dim() == 0 else str(tuple(tensor.shape))


def autograd_graph(output, names=None, output_name="output"):
    """Returns a networkx DiGraph of the operations autograd recorded to compute the tensor `output`.

    Nodes are strings; each has the attributes `kind` ("op", "leaf" or "output"), `label` (the text drawn)
    and `layer` (0 for the row drawn at the top; the output is in the last row). An "op" node is one backward
    function named by its type, e.g. "MmBackward0", with the object itself in `grad_fn`; repeats are numbered in
    forward order ("MmBackward0 #2"). A "leaf" node is a tensor that requires grad, reached through its
    AccumulateGrad node, with the tensor in `tensor`; `names` ({"w1": w1, ...}) names leaves, others are "leaf".
    Edges point the way data flowed in the forward pass. Tensors that do not require grad (the data x and y)
    are not part of the graph.
    """
    if not isinstance(output, torch.Tensor):
        raise TypeError(f"autograd_graph needs a tensor, not a {type(output).__name__}")
    if output.grad_fn is None:
        raise ValueError(
            "this tensor has no grad_fn, so autograd recorded no graph for it: it is a leaf, or none "
            "of its inputs requires grad, or it was computed under torch.no_grad(). Set "
            "requires_grad=True on the weights before the forward pass."
        )
    names = {id(tensor): name for name, tensor in (names or {}).items()}
    walk = nx.DiGraph()  # nodes: the grad_fn objects, ("leaf", id, tensor) triples, and "output"

    def node_for(fn):
        leaf = getattr(fn, "variable", None) if type(fn).__name__ == "AccumulateGrad" else None
        return ("leaf", id(leaf), leaf) if leaf is not None else fn

    walk.add_edge(node_for(output.grad_fn), "output")
    todo, seen = [output.grad_fn], {output.grad_fn}
    while todo:  # breadth first, in next_functions order: the same graph on every run
        fn = todo.pop(0)
        for child, _ in fn.next_functions:
            if child is None:  # an input that does not require grad
                continue
            walk.add_edge(node_for(child), node_for(fn))
            if child not in seen and not isinstance(node_for(child), tuple):
                seen.add(child)
                todo.append(child)

    depth = {"output": 0}  # longest path to the output: each node sits one row above its last consumer
    for node in reversed(list(nx.topological_sort(walk))):
        depth[node] = max((depth[v] + 1 for v in walk.successors(node)), default=depth.get(node, 0))
    order = sorted(walk.nodes, key=lambda n: -depth[n])  # stable: top row first, walk order within a row
    graph, counts = nx.DiGraph(), {}
    for node in order:
        if node == "output":
            key, attrs = output_name, dict(kind="output", label=f"{output_name}\n{_shape_text(output)}")
        elif isinstance(node, tuple):
            key, attrs = names.get(node[1], "leaf"), dict(kind="leaf", tensor=node[2])
        else:
            key, attrs = type(node).__name__, dict(kind="op", grad_fn=node)
        counts[key] = counts.get(key, 0) + 1
        key = key if counts[key] == 1 else f"{key} #{counts[key]}"
        if attrs["kind"] == "leaf":
            attrs["label"] = f"{key}\n{_shape_text(node[2])}"
        graph.add_node(key, layer=depth[order[0]] - depth[node], label=attrs.pop("label", key), **attrs)
        walk.nodes[node]["key"] = key
    graph.add_edges_from((walk.nodes[u]["key"], walk.nodes[v]["key"]) for u, v in walk.edges)
    return graph


def layered_positions(graph):
    """Returns {node: (x, y)}: one row per `layer` attribute, layer 0 at the top, each row centred on x = 0."""
    rows = {}
    for node, data in graph.nodes(data=True):  # insertion order: deterministic
        rows.setdefault(data["layer"], []).append(node)
    return {node: (i - (len(row) - 1) / 2, -layer) for layer, row in rows.items() for i, node in enumerate(row)}


def draw_autograd_graph(graph, ax=None, title="The graph autograd recorded"):
    """Returns the matplotlib Axes on which it drew `graph` (from autograd_graph): leaves blue, ops grey.

    Arrows follow the forward pass; backward() walks them in reverse. Call plt.show() to display it.
    """
    positions = layered_positions(graph)
    if ax is None:
        width = max(len([p for p in positions.values() if p[1] == y]) for y in {p[1] for p in positions.values()})
        layers = len({p[1] for p in positions.values()})
        _, ax = plt.subplots(figsize=(max(5, 2.4 * width), 0.7 * layers + 0.6))
    boxes = {}
    for node, data in graph.nodes(data=True):
        boxes[node] = ax.text(
            *positions[node],
            data["label"],
            ha="center",
            va="center",
            fontsize=9,
            bbox=dict(boxstyle="round,pad=0.4", fc=COLORS[data["kind"]], ec="#666666"),
        )
    for u, v in graph.edges:
        ax.annotate(
            "",
            xy=(0.5, 1),
            xycoords=boxes[v],
            xytext=(0.5, 0),
            textcoords=boxes[u],
            arrowprops=dict(arrowstyle="-|>", color="#444444", shrinkA=2, shrinkB=2),
        )
    xs = [p[0] for p in positions.values()]
    ys = [p[1] for p in positions.values()]
    ax.set_xlim(min(xs) - 0.8, max(xs) + 0.8)
    ax.set_ylim(min(ys) - 0.6, max(ys) + 0.6)
    ax.set_title(title)
    ax.axis("off")
    return ax
