"""``python -m autograd``: a one-screen demo that records a graph, backpropagates and checks the gradients."""
import autograd as ag


def main():
    """Build the book's chapter-5 example graph (apple and orange prices), backprop, print every gradient."""
    apple = ag.tensor(100.0, requires_grad=True)
    n_apple = ag.tensor(2.0, requires_grad=True)
    orange = ag.tensor(150.0, requires_grad=True)
    n_orange = ag.tensor(3.0, requires_grad=True)
    tax = ag.tensor(1.1, requires_grad=True)
    price = (apple * n_apple + orange * n_orange) * tax
    price.backward()
    print(f"price = {price.item():.1f}, recorded ops: {[n.name for n in ag.graph.nodes_of(price)]}")
    for name, t in [("apple", apple), ("n_apple", n_apple), ("orange", orange), ("n_orange", n_orange), ("tax", tax)]:
        grad = t.grad
        assert grad is not None  # every leaf here is an input of price
        print(f"  d price / d {name:<8} = {grad.item():8.3f}")

    ag.manual_seed(0)
    x = ag.randn(4, 3, dtype=ag.float64, requires_grad=True)
    w = ag.randn(3, 2, dtype=ag.float64, requires_grad=True)
    loss_fn = lambda x, w: (x @ w).tanh().log_softmax(1).sum()  # noqa: E731
    print("gradcheck (first order): ", ag.gradcheck(loss_fn, (x, w)))
    print("gradgradcheck (second order):", ag.gradgradcheck(loss_fn, (x, w)))


if __name__ == "__main__":
    main()
