"""float32 stays float32: every op's output and the gradient flowing back through it (both backward modes).

The gradient is inspected with a hook on a float32 intermediate, before the engine casts it into a leaf's dtype,
so a backward rule that silently computes in float64 (twice the memory and time) is caught.
"""
import numpy as np
import pytest

import autograd as ag

OPS = {
    "add": lambda h: h + 1.5, "radd": lambda h: 1.5 + h, "sub": lambda h: h - 0.5, "rsub": lambda h: 0.5 - h,
    "mul": lambda h: h * 0.5, "div": lambda h: h / 3.0, "rdiv": lambda h: 1.0 / (h * h + 1),
    "add_alpha": lambda h: ag.add(h, h, alpha=0.5), "sub_alpha": lambda h: ag.sub(h, h, alpha=0.5),
    "pow_int": lambda h: h ** 2, "pow_float": lambda h: (h * h + 1) ** 0.5, "pow_tensor": lambda h: (h * h + 1) ** h,
    "rpow": lambda h: 2.0 ** h, "neg": lambda h: -h, "exp": lambda h: h.exp(), "log": lambda h: (h * h + 1).log(),
    "sqrt": lambda h: (h * h + 1).sqrt(), "abs": lambda h: h.abs(), "sin": lambda h: h.sin(), "cos": lambda h: h.cos(),
    "tanh": lambda h: h.tanh(), "sigmoid": lambda h: h.sigmoid(), "relu": lambda h: h.relu(),
    "clamp": lambda h: h.clamp(-0.5, 0.5), "maximum": lambda h: ag.maximum(h, h * 0.5), "minimum": lambda h: ag.minimum(h, 0.1 * h),
    "where": lambda h: ag.where(h > 0, h, 0.0), "matmul": lambda h: h @ h.T, "matmul_1d": lambda h: h[0] @ h[1],
    "sum": lambda h: h.sum(1), "mean": lambda h: h.mean(), "mean_dim": lambda h: h.mean(0, keepdim=True),
    "var": lambda h: h.var(), "std": lambda h: h.std(1, correction=0), "max": lambda h: h.max(),
    "max_dim": lambda h: h.max(1)[0], "amin": lambda h: h.amin(1), "logsumexp": lambda h: h.logsumexp(1),
    "softmax": lambda h: h.softmax(1), "log_softmax": lambda h: h.log_softmax(0),
    "reshape": lambda h: h.reshape(3, 2), "permute": lambda h: h.permute(1, 0), "transpose": lambda h: h.transpose(0, 1),
    "squeeze_unsqueeze": lambda h: h.unsqueeze(0).squeeze(0), "flatten": lambda h: h.flatten(),
    "expand": lambda h: h[:, None].expand(2, 4, 3), "broadcast_to": lambda h: h.broadcast_to((5, 2, 3)),
    "sum_to": lambda h: h.sum_to(1, 3), "getitem": lambda h: h[[0, 0, 1]], "getitem_mask": lambda h: h[h > 0],
    "cat": lambda h: ag.cat([h, h], 1), "stack": lambda h: ag.stack([h, h]), "split": lambda h: h.split(2, 1)[0],
    "chunk": lambda h: h.chunk(2, 0)[1], "unbind": lambda h: h.unbind(1)[2], "pad": lambda h: ag.pad(h, (1, 1)),
    "clone": lambda h: h.clone(),
}


@pytest.mark.parametrize("create_graph", [False, True], ids=["fast", "create_graph"])
@pytest.mark.parametrize("name", sorted(OPS))
def test_float32_forward_and_backward(name, create_graph):
    x = ag.tensor(np.array([[0.3, -1.2, 0.8], [1.5, -0.4, 0.2]], dtype=np.float32), requires_grad=True)
    h = x * 1  # a float32 non-leaf, so the hook sees the gradient before any cast to the leaf dtype
    seen = []
    h.register_hook(lambda g: seen.append(g.dtype))
    out = OPS[name](h)
    assert out.dtype == np.float32
    (g,) = ag.grad((out * out).sum(), x, create_graph=create_graph)
    assert seen == [np.float32]
    assert g.dtype == np.float32 and np.isfinite(g.numpy()).all()
    if create_graph:
        assert g.requires_grad
