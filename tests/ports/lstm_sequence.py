"""PyTorch-style port: an LSTM + Linear learns the mean of a short sequence of numbers in [0, 1).

Runs unchanged on PyTorch; the ports runner swaps only the import lines for scratchgrad's. The loss must fall
by a factor of 100 within 200 Adam steps (both frameworks reach a factor of several thousand).
"""
import torch
import torch.nn as nn


class SequenceMean(nn.Module):
    """Read the sequence with an LSTM; a linear head maps the last step's output to the mean."""

    def __init__(self, hidden_size=16):
        super().__init__()
        self.lstm = nn.LSTM(input_size=1, hidden_size=hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, 1)

    def forward(self, x):
        output, (h_n, c_n) = self.lstm(x)  # output: (batch, steps, hidden)
        return self.head(output[:, -1, :])


def main():
    torch.manual_seed(0)
    inputs = torch.rand(64, 6, 1)
    targets = inputs.mean(dim=1)
    model = SequenceMean()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.03)
    loss_fn = nn.MSELoss()
    losses = []
    for step in range(200):
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    print(f"loss {losses[0]:.3e} -> {losses[-1]:.3e}")
    assert losses[-1] < losses[0] / 100, f"the loss fell only from {losses[0]:.3e} to {losses[-1]:.3e}"


if __name__ == "__main__":
    main()
