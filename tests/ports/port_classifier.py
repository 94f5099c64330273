"""Port (a): a classifier trained the way a PyTorch tutorial trains one.

A custom ``nn.Module`` learns three interleaved spirals: ``TensorDataset`` + ``DataLoader``, ``CrossEntropyLoss``,
``Adam`` with a ``StepLR`` schedule, ``.to(device)`` with the usual device line, ``'{:.4f}'.format(loss)``, and a
``state_dict`` saved and loaded back. Only the import lines differ from the PyTorch script (``# torch:`` gives it).
"""
import math
import os
import tempfile

import autograd as torch  # torch: import torch
import nn  # torch: from torch import nn
import optim  # torch: from torch import optim
from autograd.utils.data import DataLoader, TensorDataset  # torch: from torch.utils.data import DataLoader, TensorDataset

MIN_DROP = 5.0  # the full-data loss falls at least this many times, with either library

torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")


def make_spirals(n_per_class, classes=3):
    """Points on ``classes`` spiral arms in the plane, labelled by arm."""
    points, labels = [], []
    for c in range(classes):
        radius = torch.linspace(0.05, 1.0, n_per_class)
        angle = torch.linspace(0.0, 1.5 * math.pi, n_per_class) + c * 2 * math.pi / classes
        angle = angle + 0.1 * torch.randn(n_per_class)
        points.append(torch.stack([radius * torch.cos(angle), radius * torch.sin(angle)], dim=1))
        labels.append(torch.full((n_per_class,), c, dtype=torch.long))
    return torch.cat(points), torch.cat(labels)


class SpiralNet(nn.Module):
    """Two hidden ReLU layers and a linear head."""

    def __init__(self, hidden=64, classes=3):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(2, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU())
        self.head = nn.Linear(hidden, classes)

    def forward(self, x):
        return self.head(self.body(x))


x, y = make_spirals(100)
loader = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True, num_workers=0)
model = SpiralNet().to(device)
criterion = nn.CrossEntropyLoss()
optimizer = optim.Adam(model.parameters(), lr=1e-2)
scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=10, gamma=0.5)


def evaluate(net):
    """Loss and accuracy over the whole data set, without recording a graph."""
    net.eval()
    with torch.no_grad():
        logits = net(x.to(device))
        loss = criterion(logits, y.to(device)).item()
        accuracy = (logits.argmax(dim=1) == y.to(device)).float().mean().item()
    net.train()
    return loss, accuracy


loss_before, _ = evaluate(model)
for epoch in range(30):
    for inputs, targets in loader:
        inputs, targets = inputs.to(device), targets.to(device)
        optimizer.zero_grad()
        loss = criterion(model(inputs), targets)
        loss.backward()
        optimizer.step()
    scheduler.step()
    if epoch % 10 == 9:
        print("epoch {:2d}  last batch loss {:.4f}  lr {:.4f}".format(epoch + 1, loss, scheduler.get_last_lr()[0]))

loss_after, accuracy = evaluate(model)
print(f"full-data loss {loss_before:.4f} -> {loss_after:.4f}, accuracy {accuracy:.1%}")
assert accuracy > 0.9, accuracy

with tempfile.TemporaryDirectory() as folder:
    path = os.path.join(folder, "spiral.pt")
    torch.save(model.state_dict(), path)
    restored = SpiralNet().to(device)
    restored.load_state_dict(torch.load(path, map_location=device, weights_only=True))
assert evaluate(restored) == (loss_after, accuracy)
