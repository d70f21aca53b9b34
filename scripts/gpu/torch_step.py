#!/usr/bin/env python3
"""PyTorch reference for bench/speed.bench.ts: the same training step, to compare samples/s with TF.js.

MLP 784-1024-512-10 with biases, ReLU hidden layers, linear output, MSE loss 0.5*sum((z-y)^2)/B (as
src-main/engine/losses.ts), Adam (lr 1e-3, betas 0.9/0.999, eps 1e-8), fp32, weights and biases uniform in
+-1/sqrt(fan_in). Rules:
  BP (autograd)  loss.backward()
  BP (manual)    the backward pass written out: delta_k = (delta_{k+1} @ W_{k+1}^T) * relu'(a_k)
  DFA            delta_k = (e @ B_k) * relu'(a_k) with fixed B_k (10 x N_k) uniform in +-sqrt(3/10), no autograd
Weight gradients are h_{k-1}^T delta_k / B and bias gradients the batch mean of delta_k, for every rule.
Inputs (uniform [0, 1)) and one-hot targets are generated on the device once.

Columns: "step ms" reads the loss back every step (loss.item()), as the TF.js bench does; "pipelined ms"
synchronises only at the end of the timed steps (the GPU's throughput without a host round trip per step);
"products ms" runs the step's matrix products alone (same shapes and count), like the TF.js bench's column; "loss"
is the batch's loss before and after the warm-up and timed steps. Before the table, the hand-written BP gradients
are checked against autograd's.

  python3 scripts/gpu/torch_step.py [--batches 128 1024] [--steps 50] [--warmup 10] [--device cuda|cpu]
"""

import argparse
import sys
import time

SIZES = (784, 1024, 512, 10)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--batches", type=int, nargs="+", default=[128, 1024], help="batch sizes (default 128 1024)")
    p.add_argument("--steps", type=int, default=50, help="timed steps per rule and batch (default 50)")
    p.add_argument("--warmup", type=int, default=10, help="untimed warm-up steps (default 10)")
    p.add_argument("--device", default=None, help="cuda or cpu (default: cuda when available)")
    p.add_argument("--seed", type=int, default=1)
    return p.parse_args()


def main():
    args = parse_args()
    try:
        import torch
    except ImportError:
        print("torch_step.py: PyTorch is not installed for " + sys.executable + "; nothing to measure.", file=sys.stderr)
        return 2

    if args.device:
        device = torch.device(args.device)
    elif torch.cuda.is_available():
        device = torch.device("cuda")
    else:
        device = torch.device("cpu")
        print("torch_step.py: CUDA is not available; measuring on the CPU (not comparable with a GPU run).")
    cuda = device.type == "cuda"
    name = torch.cuda.get_device_name(device) if cuda else "CPU (%d threads)" % torch.get_num_threads()
    print("torch %s, device %s: %s" % (torch.__version__, device, name))
    print("MLP %s, MSE, Adam lr 1e-3, fp32; %d warm-up + %d timed steps" % ("-".join(map(str, SIZES)), args.warmup, args.steps))
    torch.backends.cuda.matmul.allow_tf32 = False  # fp32 products, as WebGPU's
    torch.backends.cudnn.allow_tf32 = False

    def sync():
        if cuda:
            torch.cuda.synchronize(device)

    def init_params(gen):
        params = []
        for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:]):
            bound = fan_in**-0.5
            w = (torch.rand(fan_in, fan_out, device=device, generator=gen) * 2 - 1) * bound
            b = (torch.rand(fan_out, device=device, generator=gen) * 2 - 1) * bound
            params += [w.requires_grad_(), b.requires_grad_()]
        return params

    def forward(params, x):
        w1, b1, w2, b2, w3, b3 = params
        a1 = torch.addmm(b1, x, w1)
        h1 = torch.relu(a1)
        a2 = torch.addmm(b2, h1, w2)
        h2 = torch.relu(a2)
        z = torch.addmm(b3, h2, w3)
        return a1, h1, a2, h2, z

    def manual_grads(rule, params, feedback, x, y):
        """Loss and gradients of one step without autograd: BP's backward pass written out, or DFA's broadcast."""
        batch = x.shape[0]
        w1, b1, w2, b2, w3, b3 = params
        with torch.no_grad():
            a1, h1, a2, h2, z = forward(params, x)
            e = z - y
            loss = 0.5 * torch.sum(e * e) / batch
            if rule == "bp":
                d2 = (e @ w3.t()) * (a2 > 0)
                d1 = (d2 @ w2.t()) * (a1 > 0)
            else:  # dfa
                d2 = (e @ feedback[1]) * (a2 > 0)
                d1 = (e @ feedback[0]) * (a1 > 0)
            inv = 1.0 / batch
            grads = (x.t() @ d1 * inv, d1.mean(0), h1.t() @ d2 * inv, d2.mean(0), h2.t() @ e * inv, e.mean(0))
        return loss, grads

    def autograd_loss(params, x, y):
        z = forward(params, x)[-1]
        return 0.5 * torch.sum((z - y) ** 2) / x.shape[0]

    def make_step(rule, params, opt, feedback, x, y):
        def step_autograd():
            opt.zero_grad(set_to_none=True)
            loss = autograd_loss(params, x, y)
            loss.backward()
            opt.step()
            return loss

        def step_manual():
            loss, grads = manual_grads(rule, params, feedback, x, y)
            for p, g in zip(params, grads):
                p.grad = g
            opt.step()
            return loss

        return step_autograd if rule == "bp-autograd" else step_manual

    def products(batch, rule):
        """The step's matrix products as (m, k, n): forward, weight gradients, backward/broadcast products."""
        shapes = [(batch, 784, 1024), (batch, 1024, 512), (batch, 512, 10),
                  (784, batch, 1024), (1024, batch, 512), (512, batch, 10)]
        if rule == "dfa":
            shapes += [(batch, 10, 1024), (batch, 10, 512)]
        else:
            shapes += [(batch, 10, 512), (batch, 512, 1024)]
        return shapes

    def time_loop(fn, n, read_each):
        for _ in range(args.warmup):
            fn()
        sync()
        start = time.perf_counter()
        out = None
        for _ in range(n):
            out = fn()
            if read_each:
                out.item()
        if out is not None and not read_each:
            out.item()
        sync()
        return (time.perf_counter() - start) * 1000 / n

    def data(batch, gen):
        x = torch.rand(batch, SIZES[0], device=device, generator=gen)
        y = torch.zeros(batch, SIZES[-1], device=device)
        y[torch.arange(batch, device=device), torch.randint(0, SIZES[-1], (batch,), device=device, generator=gen)] = 1
        return x, y

    # Self-check of the hand-written backward pass: its gradients against autograd's.
    gen = torch.Generator(device=device)
    gen.manual_seed(args.seed)
    x, y = data(64, gen)
    params = init_params(gen)
    autograd_loss(params, x, y).backward()
    _, grads = manual_grads("bp", params, None, x, y)
    worst = max(((g - p.grad).abs().max() / p.grad.abs().max().clamp_min(1e-30)).item() for p, g in zip(params, grads))
    print("check: manual BP gradients vs autograd, max relative difference %.1e (%s)" % (worst, "ok" if worst < 1e-4 else "MISMATCH"))
    del params, grads

    rules = [("BP (autograd)", "bp-autograd"), ("BP (manual)", "bp"), ("DFA", "dfa")]
    rows = [("rule", "batch", "step ms", "samples/s", "pipelined ms", "samples/s pipelined", "products ms", "loss start -> end")]
    for batch in args.batches:
        gen = torch.Generator(device=device)
        gen.manual_seed(args.seed)
        x, y = data(batch, gen)
        for label, rule in rules:
            params = init_params(gen)
            feedback = [(torch.rand(SIZES[-1], n, device=device, generator=gen) * 2 - 1) * (3 / SIZES[-1]) ** 0.5
                        for n in SIZES[1:-1]]
            opt = torch.optim.Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
            loss_start = autograd_loss(params, x, y).item()
            step = make_step(rule, params, opt, feedback, x, y)
            step_ms = time_loop(step, args.steps, read_each=True)
            piped_ms = time_loop(step, args.steps, read_each=False)
            loss_end = autograd_loss(params, x, y).item()
            operands = [(torch.randn(m, k, device=device), torch.randn(k, n, device=device))
                        for m, k, n in products(batch, rule)]

            def run_products():
                results = [a @ b for a, b in operands]
                return results[-1][0, 0]

            prod_ms = time_loop(run_products, args.steps, read_each=True)
            rows.append((label, str(batch), "%.3f" % step_ms, str(round(batch * 1000 / step_ms)),
                         "%.3f" % piped_ms, str(round(batch * 1000 / piped_ms)), "%.3f" % prod_ms,
                         "%.4f -> %.4f" % (loss_start, loss_end)))
            del params, opt, operands
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(r, widths)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
