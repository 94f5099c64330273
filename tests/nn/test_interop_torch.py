"""Weights cross over to PyTorch and back: safetensors files both ways, and ``load_state_dict`` of a PyTorch state
dict, ndarrays or any array with ``__dlpack__`` / ``__array__``; the same model then gives the same outputs."""
import numpy as np
import pytest

import autograd as ag
import nn

torch = pytest.importorskip("torch")
pytest.importorskip("safetensors")
from safetensors.torch import load_file, save_file  # noqa: E402


def _ours():
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(4 * 4 * 4, 5), nn.BatchNorm1d(5), nn.Linear(5, 3))


def _theirs():
    tn = torch.nn
    return tn.Sequential(tn.Conv2d(1, 4, 3, padding=1), tn.BatchNorm2d(4), tn.ReLU(), tn.MaxPool2d(2), tn.Flatten(),
                         tn.Linear(4 * 4 * 4, 5), tn.BatchNorm1d(5), tn.Linear(5, 3))


_X = np.random.default_rng(0).standard_normal((6, 1, 8, 8)).astype(np.float32)


def _trained_ours():
    """Our model with non-trivial BatchNorm running statistics (a few forward passes in train mode)."""
    ag.manual_seed(0)
    model = _ours()
    for i in range(3):
        model(ag.tensor(_X * (i + 1) + i))
    return model.eval()


def _trained_theirs():
    torch.manual_seed(0)
    model = _theirs()
    with torch.no_grad():
        for i in range(3):
            model(torch.from_numpy(_X * (i + 1) + i))
    return model.eval()


def _outputs_match(ours, theirs):
    with ag.no_grad():
        mine = ours.eval()(ag.tensor(_X)).numpy()
    with torch.no_grad():
        reference = theirs.eval()(torch.from_numpy(_X)).numpy()
    np.testing.assert_allclose(mine, reference, rtol=1e-5, atol=1e-5)


def test_a_file_written_here_loads_into_the_pytorch_model(tmp_path):
    ours = _trained_ours()
    ag.save(ours.state_dict(), tmp_path / "model.safetensors")
    theirs = _theirs()
    theirs.load_state_dict(load_file(str(tmp_path / "model.safetensors")))
    _outputs_match(ours, theirs)
    assert theirs[1].num_batches_tracked.item() == 3


def test_a_file_written_by_pytorch_loads_here(tmp_path):
    theirs = _trained_theirs()
    save_file(theirs.state_dict(), str(tmp_path / "model.safetensors"))
    ours = _ours()
    assert ours.load_state_dict(ag.load(tmp_path / "model.safetensors")) == ([], [])
    _outputs_match(ours, theirs)
    assert ours[1].num_batches_tracked.item() == 3


def test_a_pytorch_state_dict_loads_directly():
    theirs = _trained_theirs()
    ours = _ours()
    ours.load_state_dict(theirs.state_dict())
    _outputs_match(ours, theirs)
    state = theirs.state_dict()
    state["7.bias"][0] = 123.0  # copied, not shared, into our parameters
    assert ours[7].bias[0].item() != 123.0


def test_ndarrays_and_other_array_likes_load():
    class ArrayLike:  # only numpy's __array__ protocol
        def __init__(self, array):
            self.array = array

        def __array__(self, dtype=None, copy=None):
            return self.array

    model = nn.Linear(3, 2)
    model.load_state_dict({"weight": np.ones((2, 3)), "bias": ArrayLike(np.arange(2.0))})
    assert model.weight.numpy().tolist() == [[1.0] * 3] * 2 and model.bias.tolist() == [0.0, 1.0]
    assert model.weight.dtype == np.float32  # cast to the parameter's dtype, as PyTorch's copy_


def test_what_cannot_be_converted_is_reported_per_key():
    model = nn.Linear(5, 3)
    params = dict(_theirs()[7].named_parameters())  # they require grad: torch refuses to export them
    with pytest.raises(RuntimeError, match=r'parameter named "weight", could not convert the Parameter.*detach\(\)'
                                           r'(.|\n)*parameter named "bias"'):
        model.load_state_dict(params)
    model.load_state_dict({k: v.detach() for k, v in params.items()})
    with pytest.raises(RuntimeError, match=r"size mismatch for weight"):
        model.load_state_dict({"weight": torch.ones(3, 3), "bias": torch.ones(3)})
