"""utils.graphs: the graph autograd recorded, as a networkx DiGraph, drawn with matplotlib only."""

import matplotlib
import pytest
import torch

matplotlib.use("Agg")  # only for this test process; the notebooks keep the inline backend
from utils import graphs


def two_layer_loss(x, y, w1, w2):
    return (x.mm(w1).clamp(min=0).mm(w2) - y).pow(2).sum()


def small_net(seed=0):
    g = torch.Generator().manual_seed(seed)
    x, y = torch.randn(4, 6, generator=g), torch.randn(4, 2, generator=g)
    w1 = torch.randn(6, 3, generator=g, requires_grad=True)
    w2 = torch.randn(3, 2, generator=g, requires_grad=True)
    return x, y, w1, w2


def test_known_expression_gives_its_nodes_edges_and_layers():
    a = torch.tensor(2.0, requires_grad=True)
    b = torch.tensor(3.0, requires_grad=True)
    c = torch.tensor(4.0)  # requires no grad: not in the graph
    graph = graphs.autograd_graph(a * b + a * c, {"a": a, "b": b}, output_name="f")
    assert set(graph.edges) == {
        ("a", "MulBackward0"),
        ("b", "MulBackward0"),
        ("a", "MulBackward0 #2"),
        ("MulBackward0", "AddBackward0"),
        ("MulBackward0 #2", "AddBackward0"),
        ("AddBackward0", "f"),
    }
    assert dict(graph.nodes(data="kind")) == {
        "a": "leaf",
        "b": "leaf",
        "MulBackward0": "op",
        "MulBackward0 #2": "op",
        "AddBackward0": "op",
        "f": "output",
    }
    assert dict(graph.nodes(data="layer")) == {
        "a": 0,
        "b": 0,
        "MulBackward0": 1,
        "MulBackward0 #2": 1,
        "AddBackward0": 2,
        "f": 3,
    }
    assert graph.nodes["a"]["tensor"] is a and graph.nodes["f"]["label"] == "f\nscalar"


def test_two_layer_net_marks_the_weights_as_leaves_and_leaves_out_the_data():
    x, y, w1, w2 = small_net()
    graph = graphs.autograd_graph(two_layer_loss(x, y, w1, w2), {"w1": w1, "w2": w2}, output_name="loss")
    leaves = [n for n, kind in graph.nodes(data="kind") if kind == "leaf"]
    assert sorted(leaves) == ["w1", "w2"] and graph.nodes["w1"]["label"] == "w1\n(6, 3)"
    assert list(graph.predecessors("MmBackward0")) == ["w1"]  # the first matmul, x @ w1: x is not drawn
    assert set(graph.predecessors("MmBackward0 #2")) == {"ClampBackward1", "w2"}
    # w2 is drawn one row above the matmul that uses it, beside the ReLU
    assert graph.nodes["w2"]["layer"] == graph.nodes["ClampBackward1"]["layer"] == 2
    assert [n for n in graph if graph.out_degree(n) == 0] == ["loss"]


def test_unnamed_leaves_are_numbered():
    a, b = torch.ones(2, requires_grad=True), torch.ones(2, requires_grad=True)
    graph = graphs.autograd_graph((a * b).sum())
    assert {"leaf", "leaf #2", "output"} <= set(graph.nodes)


def test_graph_is_rebuilt_on_every_forward_pass():
    x, y, w1, w2 = small_net()
    first = graphs.autograd_graph(two_layer_loss(x, y, w1, w2), {"w1": w1, "w2": w2})
    second = graphs.autograd_graph(two_layer_loss(x, y, w1, w2), {"w1": w1, "w2": w2})
    assert set(first.edges) == set(second.edges)
    ops = [n for n, kind in first.nodes(data="kind") if kind == "op"]
    assert len(ops) == 6
    for op in ops:
        assert first.nodes[op]["grad_fn"] is not second.nodes[op]["grad_fn"], f"{op} was reused"
    assert first.nodes["w1"]["tensor"] is second.nodes["w1"]["tensor"] is w1  # the leaves are the same tensors


def test_bad_input_is_explained():
    with pytest.raises(ValueError, match="has no grad_fn(?s:.*)requires_grad=True"):
        graphs.autograd_graph(torch.ones(2).sum())
    with pytest.raises(ValueError, match="has no grad_fn"):
        w = torch.ones(2, requires_grad=True)
        with torch.no_grad():
            graphs.autograd_graph((w * 2).sum())
    with pytest.raises(TypeError, match="needs a tensor, not a float"):
        graphs.autograd_graph(1.0)


def test_drawing_puts_one_box_per_node_and_one_arrow_per_edge():
    x, y, w1, w2 = small_net()
    graph = graphs.autograd_graph(two_layer_loss(x, y, w1, w2), {"w1": w1, "w2": w2}, output_name="loss")
    ax = graphs.draw_autograd_graph(graph)
    texts = [t.get_text() for t in ax.texts if t.get_text()]
    assert sorted(texts) == sorted(data["label"] for _, data in graph.nodes(data=True))
    assert len([t for t in ax.texts if not t.get_text()]) == graph.number_of_edges()  # arrows are empty annotations
    positions = graphs.layered_positions(graph)
    assert positions["w1"][1] > positions["MmBackward0"][1] > positions["loss"][1]  # inputs on top
    ax.figure.canvas.draw()  # renders without Graphviz
