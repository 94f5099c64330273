"""Port (e): a small CNN with BatchNorm2d and LayerNorm, trained with Adam under a OneCycleLR schedule.

The task: tell apart 12x12 images of a horizontal bar from a vertical one, in noise. Only the import lines
differ from the PyTorch script (``# torch:`` gives it).
"""
import autograd as torch  # torch: import torch
import nn  # torch: import torch.nn as nn
import nn.functional as F  # torch: import torch.nn.functional as F
from optim.lr_scheduler import OneCycleLR  # torch: from torch.optim.lr_scheduler import OneCycleLR

MIN_DROP = 5.0  # the training loss falls at least this many times, with either library


def bars(n):
    """``n`` noisy images (n, 1, 12, 12) with one bar each, and the labels (0: horizontal, 1: vertical)."""
    labels = torch.randint(0, 2, (n,))
    images = torch.randn(n, 1, 12, 12) * 0.3
    where = torch.randint(2, 10, (n,))
    for i in range(n):
        if labels[i].item() == 0:
            images[i, 0, where[i].item(), 2:10] += 1.0
        else:
            images[i, 0, 2:10, where[i].item()] += 1.0
    return images, labels


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 8, 3, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.fc1 = nn.Linear(8 * 6 * 6, 32)
        self.ln = nn.LayerNorm(32)
        self.fc2 = nn.Linear(32, 2)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn(self.conv(x))), 2)
        x = torch.flatten(x, 1)
        return self.fc2(F.relu(self.ln(self.fc1(x))))


torch.manual_seed(0)
x, y = bars(256)
model = Net()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
steps = 60
scheduler = OneCycleLR(optimizer, max_lr=0.02, total_steps=steps)
for step in range(steps):
    batch = slice((step * 32) % 256, (step * 32) % 256 + 32)
    optimizer.zero_grad()
    loss = F.cross_entropy(model(x[batch]), y[batch])
    loss.backward()
    optimizer.step()
    scheduler.step()
    if step == 0:
        loss_before = loss.item()
model.eval()
with torch.no_grad():
    loss_after = F.cross_entropy(model(x), y).item()
    accuracy = (model(x).argmax(1) == y).float().mean().item()
print(f"loss {loss_before:.4f} -> {loss_after:.4f}, accuracy {accuracy:.3f}")
assert accuracy > 0.9, accuracy
