"""PyTorch-style port: an LSTM + Linear learns the mean of a short sequence of numbers in [0, 1).

Only the import lines differ from the PyTorch script (``# torch:`` gives it). The loss must fall by a factor of
100 within 200 Adam steps (both frameworks reach a factor of several thousand).
"""
import autograd as torch  # torch: import torch
import nn  # torch: import torch.nn as nn

MIN_DROP = 100.0


class SequenceMean(nn.Module):
    """Read the sequence with an LSTM; a linear head maps the last step's output to the mean."""

    def __init__(self, hidden_size=16):
        super().__init__()
        self.lstm = nn.LSTM(input_size=1, hidden_size=hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, 1)

    def forward(self, x):
        output, (h_n, c_n) = self.lstm(x)  # output: (batch, steps, hidden)
        return self.head(output[:, -1, :])


torch.manual_seed(0)
inputs = torch.rand(64, 6, 1)
targets = inputs.mean(dim=1)
model = SequenceMean()
optimizer = torch.optim.Adam(model.parameters(), lr=0.03)
loss_fn = nn.MSELoss()
for step in range(200):
    optimizer.zero_grad()
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    optimizer.step()
    if step == 0:
        loss_before = loss.item()
loss_after = loss.item()
print(f"loss {loss_before:.3e} -> {loss_after:.3e}")
