"""Port (b): the manual SGD loop of PyTorch's "learning PyTorch with examples", on a problem of its own.

A cubic polynomial is fitted to ``tanh`` by an ``nn.Sequential`` of ``Linear`` and ``Flatten``; the update is
written by hand (``with torch.no_grad(): p -= lr * p.grad``) and ``model.zero_grad()`` clears the gradients.
Only the import lines differ from the PyTorch script (``# torch:`` gives it).
"""
import autograd as torch  # torch: import torch
import nn  # torch: import torch.nn as nn

MIN_DROP = 100.0  # the summed squared error falls at least this many times, with either library

torch.manual_seed(1)
x = torch.linspace(-2.0, 2.0, 1000)
y = torch.tanh(x)
powers = torch.tensor([1, 2, 3])
features = x.unsqueeze(-1).pow(powers)  # (1000, 3): x, x^2, x^3

model = nn.Sequential(nn.Linear(3, 1), nn.Flatten(0, 1))
loss_fn = nn.MSELoss(reduction="sum")
learning_rate = 2e-5

for step in range(1000):
    prediction = model(features)
    loss = loss_fn(prediction, y)
    if step == 0:
        loss_before = loss.item()
    if step % 500 == 499:
        print(step + 1, "{:.4f}".format(loss))
    model.zero_grad()
    loss.backward()
    with torch.no_grad():
        for param in model.parameters():
            param -= learning_rate * param.grad
loss_after = loss.item()
print("summed squared error {:.2f} -> {:.4f}".format(loss_before, loss_after))

linear = model[0]
a, (b, c, d) = linear.bias.item(), linear.weight[0].tolist()
print(f"tanh(x) ~ {a:.3f} + {b:.3f} x + {c:.3f} x^2 + {d:.3f} x^3")
assert abs(a) < 0.05 and abs(c) < 0.05 and b > 0 > d  # an odd polynomial: rising in the middle, bending down
