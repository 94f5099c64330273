"""Bad input gets a precise exception (PyTorch's type) whose message names the op and the shapes, never a wrong number.

Each case lists the misuse in autograd and the same misuse in torch; when torch is installed a second test checks
that torch raises the same exception type, so the table cannot drift from the spec.
"""
import numpy as np
import pytest

import autograd as ag

A = ag.ones


def _t():
    return pytest.importorskip("torch")


# (id, autograd call, torch call, exception type, regex the autograd message must match)
CASES = [
    # shape mismatches name the op and both shapes
    ("add", lambda: A(2, 3) + A(4), lambda t: t.ones(2, 3) + t.ones(4), RuntimeError, r"add.*\(2, 3\).*\(4,\)"),
    ("sub", lambda: ag.sub(A(3), A(2)), lambda t: t.sub(t.ones(3), t.ones(2)), RuntimeError, r"sub.*\(3,\).*\(2,\)"),
    ("mul", lambda: A(2, 3) * A(2), lambda t: t.ones(2, 3) * t.ones(2), RuntimeError, r"mul.*\(2, 3\).*\(2,\)"),
    ("div", lambda: A(3) / A(2, 2), lambda t: t.ones(3) / t.ones(2, 2), RuntimeError, r"div.*\(3,\).*\(2, 2\)"),
    ("pow", lambda: A(3) ** A(2), lambda t: t.ones(3) ** t.ones(2), RuntimeError, r"pow.*\(3,\).*\(2,\)"),
    ("maximum", lambda: ag.maximum(A(3), A(2)), lambda t: t.maximum(t.ones(3), t.ones(2)), RuntimeError, r"maximum.*\(3,\).*\(2,\)"),
    ("minimum", lambda: ag.minimum(A(3), A(2)), lambda t: t.minimum(t.ones(3), t.ones(2)), RuntimeError, r"minimum.*\(3,\).*\(2,\)"),
    ("where", lambda: ag.where(A(3) > 0, A(3), A(2)), lambda t: t.where(t.ones(3) > 0, t.ones(3), t.ones(2)), RuntimeError, r"where.*\(3,\).*\(2,\)"),
    ("matmul", lambda: A(2, 3) @ A(2, 3), lambda t: t.ones(2, 3) @ t.ones(2, 3), RuntimeError, r"matmul.*\(2, 3\).*\(2, 3\)"),
    ("matmul-batch", lambda: A(2, 2, 3) @ A(3, 3, 4), lambda t: t.ones(2, 2, 3) @ t.ones(3, 3, 4), RuntimeError, r"matmul.*\(2, 2, 3\).*\(3, 3, 4\)"),
    ("matmul-0d", lambda: A() @ A(3), lambda t: t.ones(()) @ t.ones(3), RuntimeError, r"matmul.*\(\).*\(3,\)"),
    ("mm", lambda: ag.mm(A(3), A(3)), lambda t: t.mm(t.ones(3), t.ones(3)), RuntimeError, r"mm.*\(3,\)"),
    ("bmm", lambda: ag.bmm(A(2, 3, 4), A(3, 4, 5)), lambda t: t.bmm(t.ones(2, 3, 4), t.ones(3, 4, 5)), RuntimeError, r"bmm.*\(2, 3, 4\).*\(3, 4, 5\)"),
    ("dot", lambda: ag.dot(A(3), A(4)), lambda t: t.dot(t.ones(3), t.ones(4)), RuntimeError, r"dot.*\(3,\).*\(4,\)"),
    ("cat", lambda: ag.cat([A(2, 3), A(2, 4)]), lambda t: t.cat([t.ones(2, 3), t.ones(2, 4)]), RuntimeError, r"cat.*\(2, 3\).*\(2, 4\)"),
    ("cat-ndim", lambda: ag.cat([A(2, 3), A(3)]), lambda t: t.cat([t.ones(2, 3), t.ones(3)]), RuntimeError, r"cat.*\(2, 3\).*\(3,\)"),
    ("stack", lambda: ag.stack([A(2, 3), A(2, 4)]), lambda t: t.stack([t.ones(2, 3), t.ones(2, 4)]), RuntimeError, r"stack.*\(2, 3\).*\(2, 4\)"),
    ("reshape", lambda: A(2, 3).reshape(4), lambda t: t.ones(2, 3).reshape(4), RuntimeError, r"reshape.*\[4\].*6"),
    ("view", lambda: A(2, 3).view(5, -1), lambda t: t.ones(2, 3).view(5, -1), RuntimeError, r"\[5, -1\].*6"),
    ("expand", lambda: A(2, 3).expand(4, 3), lambda t: t.ones(2, 3).expand(4, 3), RuntimeError, r"\(2, 3\).*\(4, 3\)"),
    ("broadcast_to", lambda: A(2, 3).broadcast_to((3,)), lambda t: t.ones(2, 3).broadcast_to((3,)), RuntimeError, r"\(2, 3\).*\(3,\)"),
    ("sum_to", lambda: A(2, 3).sum_to(4), lambda t: t.ones(2, 3).sum_to_size(4), RuntimeError, r"sum_to.*\(4,\).*\(2, 3\)"),
    ("permute-dup", lambda: A(2, 3).permute(0, 0), lambda t: t.ones(2, 3).permute(0, 0), RuntimeError, r"permute"),
    ("permute-len", lambda: A(2, 3).permute(0), lambda t: t.ones(2, 3).permute(0), RuntimeError, r"permute.*\(2, 3\)"),
    ("flatten-order", lambda: A(2, 3, 4).flatten(2, 1), lambda t: t.ones(2, 3, 4).flatten(2, 1), RuntimeError, r"flatten.*start_dim"),
    ("split-sizes", lambda: A(5).split([2, 2]), lambda t: t.ones(5).split([2, 2]), RuntimeError, r"split.*\[2, 2\].*5"),
    ("split-zero", lambda: A(3).split(0), lambda t: t.ones(3).split(0), RuntimeError, r"split"),
    ("chunk-zero", lambda: A(5).chunk(0), lambda t: t.ones(5).chunk(0), RuntimeError, r"chunk.*0"),
    ("pad-odd", lambda: ag.pad(A(2, 3), (1,)), lambda t: t.nn.functional.pad(t.ones(2, 3), (1,)), RuntimeError, r"pad"),
    ("backward-gradient-shape", lambda: A(2, requires_grad=True).exp().backward(A(3)),
     lambda t: t.ones(2, requires_grad=True).exp().backward(t.ones(3)), RuntimeError, r"\(3,\).*\(2,\)"),
    # unknown dims: IndexError naming the op and the valid range
    ("sum-dim", lambda: A(2, 3).sum(2), lambda t: t.ones(2, 3).sum(2), IndexError, r"sum.*\[-2, 1\].*2"),
    ("sum-negdim", lambda: A(2, 3).sum(-3), lambda t: t.ones(2, 3).sum(-3), IndexError, r"sum.*-3"),
    ("mean-dim", lambda: A(2, 3).mean(7), lambda t: t.ones(2, 3).mean(7), IndexError, r"mean.*7"),
    ("var-dim", lambda: A(2, 3).var(2), lambda t: t.ones(2, 3).var(2), IndexError, r"var.*2"),
    ("std-dim", lambda: A(2, 3).std(-4), lambda t: t.ones(2, 3).std(-4), IndexError, r"-4"),
    ("max-dim", lambda: A(2, 3).max(3), lambda t: t.ones(2, 3).max(3), IndexError, r"max.*3"),
    ("amax-dim", lambda: A(2, 3).amax(3), lambda t: t.ones(2, 3).amax(3), IndexError, r"amax.*3"),
    ("argmax-dim", lambda: A(2, 3).argmax(3), lambda t: t.ones(2, 3).argmax(3), IndexError, r"argmax.*3"),
    ("logsumexp-dim", lambda: A(2, 3).logsumexp(3), lambda t: t.ones(2, 3).logsumexp(3), IndexError, r"logsumexp.*3"),
    ("softmax-dim", lambda: A(2, 3).softmax(5), lambda t: t.ones(2, 3).softmax(5), IndexError, r"softmax.*5"),
    ("log_softmax-dim", lambda: ag.log_softmax(A(2, 3), -3), lambda t: t.log_softmax(t.ones(2, 3), -3), IndexError, r"log_softmax.*-3"),
    ("transpose-dim", lambda: A(2, 3).transpose(0, 2), lambda t: t.ones(2, 3).transpose(0, 2), IndexError, r"transpose.*2"),
    ("squeeze-dim", lambda: A(2, 3).squeeze(3), lambda t: t.ones(2, 3).squeeze(3), IndexError, r"squeeze.*3"),
    ("unsqueeze-dim", lambda: A(2, 3).unsqueeze(4), lambda t: t.ones(2, 3).unsqueeze(4), IndexError, r"unsqueeze.*\[-3, 2\]"),
    ("flatten-dim", lambda: A(2, 3).flatten(0, 5), lambda t: t.ones(2, 3).flatten(0, 5), IndexError, r"flatten.*5"),
    ("cat-dim", lambda: ag.cat([A(2, 3)], dim=2), lambda t: t.cat([t.ones(2, 3)], dim=2), IndexError, r"cat.*2"),
    ("stack-dim", lambda: ag.stack([A(2)], dim=3), lambda t: t.stack([t.ones(2)], dim=3), IndexError, r"stack.*3"),
    ("unbind-dim", lambda: A(2, 3).unbind(2), lambda t: t.ones(2, 3).unbind(2), IndexError, r"unbind.*2"),
    ("split-dim", lambda: A(2, 3).split(1, 2), lambda t: t.ones(2, 3).split(1, 2), IndexError, r"split.*2"),
    ("size-dim", lambda: A(2, 3).size(3), lambda t: t.ones(2, 3).size(3), IndexError, r"3"),
    ("dup-dims", lambda: A(2, 3).sum((0, 0)), lambda t: t.ones(2, 3).sum((0, 0)), RuntimeError, r"sum.*multiple times"),
    ("float-dim", lambda: A(2, 3).sum(1.5), lambda t: t.ones(2, 3).sum(1.5), TypeError, r"sum.*dim.*1\.5"),
    # indexing
    ("index-out-of-range", lambda: A(2, 3)[5], lambda t: t.ones(2, 3)[5], IndexError, r"index 5 is out of bounds for dimension 0 with size 2"),
    ("index-float-tensor", lambda: A(2, 3)[ag.tensor([1.0])], lambda t: t.ones(2, 3)[t.tensor([1.0])], IndexError, r"long, int.*bool"),
    ("index-too-many", lambda: A(2, 3)[0, 0, 0], lambda t: t.ones(2, 3)[0, 0, 0], IndexError, r"too many indices for tensor of dimension 2"),
    ("index-mask-shape", lambda: A(2, 3)[ag.tensor([True, False, True])],
     lambda t: t.ones(2, 3)[t.tensor([True, False, True])], IndexError, r"mask \[3\] at index 0 does not match the shape of the indexed tensor \[2, 3\]"),
    # operands of the wrong kind
    ("add-str", lambda: A(2) + "a", lambda t: t.ones(2) + "a", TypeError, r"add"),
    ("add-None", lambda: A(2) + None, lambda t: t.ones(2) + None, TypeError, r"NoneType"),
    ("mul-object", lambda: A(2) * object(), lambda t: t.ones(2) * object(), TypeError, r"object"),
    ("matmul-list", lambda: A(2) @ [1.0, 2.0], lambda t: t.ones(2) @ [1.0, 2.0], TypeError, r"matmul.*list"),
    ("matmul-int", lambda: A(2) @ 3, lambda t: t.ones(2) @ 3, TypeError, r"matmul.*int"),
    ("cat-list-element", lambda: ag.cat([A(2), [1.0]]), lambda t: t.cat([t.ones(2), [1.0]]), TypeError, r"cat.*element 1.*list"),
    ("stack-list-element", lambda: ag.stack([A(2), [1.0, 2.0]]), lambda t: t.stack([t.ones(2), [1.0, 2.0]]), TypeError, r"stack.*element 1"),
    ("tensor-str", lambda: ag.tensor("abc"), lambda t: t.tensor("abc"), TypeError, r"tensor"),
    ("where-float-cond", lambda: ag.where(A(2), A(2), A(2)), lambda t: t.where(t.ones(2), t.ones(2), t.ones(2)), RuntimeError, r"where.*bool.*float32"),
    ("where-int-cond", lambda: ag.where(ag.tensor([1, 0]), A(2), A(2)), lambda t: t.where(t.tensor([1, 0]), t.ones(2), t.ones(2)), RuntimeError, r"where.*bool.*int64"),
    ("clamp-no-bounds", lambda: ag.clamp(A(2)), lambda t: t.clamp(t.ones(2)), RuntimeError, r"clamp.*min.*max"),
    # autograd misuse
    ("int-requires-grad", lambda: ag.tensor([1, 2], requires_grad=True), lambda t: t.tensor([1, 2], requires_grad=True), RuntimeError, r"floating point"),
    ("int-requires-grad_", lambda: ag.tensor([1, 2]).requires_grad_(), lambda t: t.tensor([1, 2]).requires_grad_(), RuntimeError, r"floating point.*int64"),
    ("backward-no-grad", lambda: A(2).sum().backward(), lambda t: t.ones(2).sum().backward(), RuntimeError, r"does not require grad"),
    ("backward-non-scalar", lambda: (A(2, requires_grad=True) * 2).backward(), lambda t: (t.ones(2, requires_grad=True) * 2).backward(),
     RuntimeError, r"scalar"),
    ("item-many", lambda: A(2).item(), lambda t: t.ones(2).item(), RuntimeError, r"2 elements"),
    ("inplace-leaf", lambda: A(2, requires_grad=True).add_(1), lambda t: t.ones(2, requires_grad=True).add_(1), RuntimeError, r"in-place"),
    ("mean-int", lambda: ag.tensor([1, 2]).mean(), lambda t: t.tensor([1, 2]).mean(), RuntimeError, r"mean.*int64"),
    ("cat-empty", lambda: ag.cat([]), lambda t: t.cat([]), ValueError, r"cat.*non-empty"),
    ("stack-empty", lambda: ag.stack([]), lambda t: t.stack([]), RuntimeError, r"stack.*non-empty"),
]


@pytest.mark.parametrize("ag_call, exc, pattern", [pytest.param(c[1], c[3], c[4], id=c[0]) for c in CASES])
def test_bad_input_raises_precise_error(ag_call, exc, pattern):
    with np.errstate(all="ignore"):
        with pytest.raises(exc, match=pattern):
            ag_call()


@pytest.mark.parametrize("torch_call, exc", [pytest.param(c[2], c[3], id=c[0]) for c in CASES])
def test_torch_raises_the_same_exception_type(torch_call, exc):
    torch = _t()
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(exc):
            torch_call(torch)


def test_functional_reduction_of_a_list_is_a_type_error():
    with pytest.raises(TypeError):
        ag.sum([1.0, 2.0])


def test_failed_op_leaves_no_half_built_graph():
    x = ag.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError):
        x * ag.ones(3)
    (x * 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0])
