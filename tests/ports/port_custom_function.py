"""Port (c): a custom ``torch.autograd.Function`` with a hand-written backward, checked and then trained.

``Cubic.apply(x, coeffs)`` evaluates ``c0 + c1 x + c2 x^2 + c3 x^3`` with gradients for both inputs written by
hand; ``torch.autograd.gradcheck`` and ``gradgradcheck`` check them against finite differences, and
``torch.autograd.grad`` against the closed form; then ``optim.Adam`` fits the coefficients through it.
Only the import lines differ from the PyTorch script (``# torch:`` gives it).
"""
import autograd as torch  # torch: import torch
import optim  # torch: import torch.optim as optim

MIN_DROP = 50.0  # the mean squared error of the fit falls at least this many times, with either library


class Cubic(torch.autograd.Function):
    """``c0 + c1 x + c2 x^2 + c3 x^3`` elementwise in ``x``, for a vector of 4 coefficients."""

    @staticmethod
    def forward(ctx, x, coeffs):
        ctx.save_for_backward(x, coeffs)
        return coeffs[0] + x * (coeffs[1] + x * (coeffs[2] + x * coeffs[3]))

    @staticmethod
    def backward(ctx, grad_output):
        x, coeffs = ctx.saved_tensors
        grad_x = grad_coeffs = None
        if ctx.needs_input_grad[0]:
            grad_x = grad_output * (coeffs[1] + x * (2 * coeffs[2] + 3 * x * coeffs[3]))
        if ctx.needs_input_grad[1]:
            grad_coeffs = torch.stack([(grad_output * x ** k).sum() for k in range(4)])
        return grad_x, grad_coeffs


torch.manual_seed(2)
x = torch.randn(6, dtype=torch.float64, requires_grad=True)
coeffs = torch.randn(4, dtype=torch.float64, requires_grad=True)
assert torch.autograd.gradcheck(Cubic.apply, (x, coeffs), eps=1e-6, atol=1e-6)
assert torch.autograd.gradgradcheck(Cubic.apply, (x, coeffs), eps=1e-6, atol=1e-6)

(slope,) = torch.autograd.grad(Cubic.apply(x, coeffs).sum(), x)
expected = coeffs[1] + 2 * coeffs[2] * x + 3 * coeffs[3] * x ** 2
assert (slope - expected).abs().max().item() < 1e-12
print("gradcheck, gradgradcheck and autograd.grad agree with the hand-written backward")

# Fit the coefficients of a known cubic from noisy samples, through the custom Function.
true = torch.tensor([0.5, -1.0, 0.25, 0.75])
inputs = torch.linspace(-1.5, 1.5, 200)
targets = Cubic.apply(inputs, true) + 0.01 * torch.randn(200)
fitted = torch.zeros(4, requires_grad=True)
optimizer = optim.Adam([fitted], lr=0.05)
for step in range(300):
    optimizer.zero_grad()
    loss = ((Cubic.apply(inputs, fitted) - targets) ** 2).mean()
    if step == 0:
        loss_before = loss.item()
    loss.backward()
    optimizer.step()
loss_after = loss.item()
print("mse {:.4f} -> {:.6f}; coefficients {}".format(loss_before, loss_after, [round(c, 2) for c in fitted.tolist()]))
assert (fitted - true).abs().max().item() < 0.05
