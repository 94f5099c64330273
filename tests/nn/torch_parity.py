"""Layer-versus-PyTorch checks shared by the nn tests (tests/nn only; not part of the package)."""
import numpy as np

import autograd as ag


def copy_state(torch, ours, theirs):
    """Load ``ours``'s state dict into the torch layer ``theirs``; the two must have the same keys and shapes."""
    state = ours.state_dict()
    assert list(state) == list(theirs.state_dict()), (list(state), list(theirs.state_dict()))
    theirs.load_state_dict({k: torch.from_numpy(np.array(v.numpy())) for k, v in state.items()})


def copy_params(torch, ours, theirs):
    """Copy ``ours``'s parameters into the torch layer ``theirs`` (by name)."""
    with torch.no_grad():
        for name, p in ours.named_parameters():
            dict(theirs.named_parameters())[name].copy_(torch.from_numpy(p.numpy().copy()))


def compare(torch, ours, theirs, x_np, atol=1e-5, rtol=1e-4, seed=0):
    """Outputs, input gradient (for a float input) and parameter gradients of ``ours`` and ``theirs`` agree.

    A layer returning a tuple is compared on every output, the gradient flowing in through the first.
    """
    floating = np.asarray(x_np).dtype.kind == "f"
    x = ag.tensor(x_np, requires_grad=floating)
    tx = torch.tensor(x_np, requires_grad=floating)
    out, tout = ours(x), theirs(tx)
    outs, touts = (out, tout) if isinstance(out, tuple) else ((out,), (tout,))
    for o, t in zip(outs, touts):
        assert tuple(o.shape) == tuple(t.shape), (o.shape, t.shape)
        np.testing.assert_allclose(o.numpy(), t.detach().numpy(), rtol=rtol, atol=atol)
    upstream = np.random.default_rng(seed).standard_normal(outs[0].shape).astype(outs[0].dtype)
    outs[0].backward(ag.tensor(upstream))
    touts[0].backward(torch.from_numpy(upstream))
    if floating:
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=rtol, atol=atol)
    theirs_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        tp = theirs_params[name]
        if tp.grad is None:
            assert p.grad is None or not np.any(p.grad.numpy()), name
        else:
            np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=rtol, atol=atol, err_msg=name)
    return out, tout
