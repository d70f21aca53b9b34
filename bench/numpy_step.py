#!/usr/bin/env python3
"""numpy/OpenBLAS reference for `npm run bench speed` (bench/speed.bench.ts).

Times one training step of the MLP 784-1024-512-10 (ReLU hidden, linear output, float32, batch-first, weights stored
as Wt with shape fan_in x fan_out so that the forward pass is H @ Wt + b) for every rule case the speed bench knows,
and the best sgemm rate of this machine, so that the compiled ONNX engine can be compared with plain numpy and with the
GEMM limit (the step's multiply-adds at the best sgemm rate). It must implement the same math as the engine
(/work/shared/ALGORITHMS.md sections 1-3, src-main/engine): forward, score, per-rule hidden signal, regularisers,
one Adam step (beta 0.9/0.999, lr 1e-3, eps 1e-8) of every weight and bias. If the engine's step changes, change this.

MACs are counted analytically: the sum of m*n*k over the step's matrix products, as the engine's stepMacs counts
them. Elementwise work and the entropy term's (B+F)x(B+F) solve are not counted (the engine does not count its
Inverse node either); they are in the measured time.

Threads: --threads N sets OPENBLAS_NUM_THREADS, OMP_NUM_THREADS and MKL_NUM_THREADS before numpy is imported (BLAS
reads them once, at load); without --threads the environment is left as it is and "threads" is null.

    python3 bench/numpy_step.py --batch 128 --threads 1 --steps 30 --json
    python3 bench/numpy_step.py --check        # 200 steps per rule on one fixed batch: loss before/after
"""
import argparse
import json
import math
import os
import statistics
import sys
import time

ALL_RULES = ['bp', 'fa', 'dfa', 'drtp', 'dkp', 'ebd+power', 'ebd+entropy', 'sbd+power', 'sbd+expansion']


def parse_args():
    p = argparse.ArgumentParser(description='numpy reference timing of one training step per learning rule')
    p.add_argument('--batch', action='append', help='batch size; repeatable or a comma list (default 128,1024)')
    p.add_argument('--threads', type=int, help='BLAS threads (set in the environment before numpy is imported)')
    p.add_argument('--steps', type=int, default=30, help='timed steps, after 5 warm-up steps')
    p.add_argument('--rules', default=','.join(ALL_RULES), help='comma list of rule cases (default all)')
    p.add_argument('--json', action='store_true', help='print one JSON object instead of a table')
    p.add_argument('--check', action='store_true', help='train 200 steps on a fixed batch of 128, print the losses')
    p.add_argument('--optimizer', default='adam', choices=['adam', 'sgd', 'momentum'],
                   help='the update of every weight and bias (default adam, as the presets; momentum 0.9)')
    a = p.parse_args()
    a.batch = [int(x) for b in (a.batch or ['128,1024']) for x in b.split(',') if x]
    a.rules = [r for r in a.rules.split(',') if r]
    unknown = [r for r in a.rules if r not in ALL_RULES]
    if unknown:
        p.error(f'unknown rules {unknown}; known: {ALL_RULES}')
    return a


ARGS = parse_args()
if ARGS.threads is not None:
    for var in ('OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS'):
        os.environ[var] = str(ARGS.threads)
import numpy as np  # noqa: E402  (after the thread variables, on purpose)

F32 = np.float32
SIZES = [784, 1024, 512, 10]
C = SIZES[-1]
LR, BETA1, BETA2, ADAM_EPS = 1e-3, 0.9, 0.999, 1e-8
ADAM_CHUNK = 32768                              # elements per Adam chunk (4 arrays of it fit in L2)
LAM = 0.9999                                    # forgetting factor of the broadcast correlation R
R_INIT = 1e-2                                   # scale of R's random start (the paper's regime: small)
DKP_ETA, DKP_DECAY = 1e-4, 1e-4                 # catalogue defaults of feedbackLr / feedbackDecay
POWER_COEF, POWER_TARGET = 1e-3, 1.0
ENT_LAM, ENT_EPS, ENT_COEF = 0.99, 0.01, 1e-3

# rule case -> (loss, hidden signal, power, entropy, expansion)
CASES = {
    'bp': ('ce', 'bp', False, False, False),
    'fa': ('ce', 'fa', False, False, False),
    'dfa': ('ce', 'dfa', False, False, False),
    'drtp': ('ce', 'drtp', False, False, False),
    'dkp': ('ce', 'dkp', False, False, False),
    'ebd+power': ('mse', 'broadcast', True, False, False),
    'ebd+entropy': ('mse', 'broadcast', True, True, False),
    'sbd+power': ('ce', 'broadcast', True, False, False),
    'sbd+expansion': ('ce', 'broadcast', True, False, True),
}


def step_macs(rule, b):
    """Multiply-adds of the matrix products of one step (what the GEMM limit counts)."""
    _, signal, _, entropy, expand = CASES[rule]
    hidden = SIZES[1:-1]
    pairs = sum(i * o for i, o in zip(SIZES[:-1], SIZES[1:]))
    macs = 2 * b * pairs                                   # forward + every weight gradient H^T @ Phi
    if signal in ('bp', 'fa'):
        macs += b * sum(i * o for i, o in zip(SIZES[1:-1], SIZES[2:]))   # Phi_{k+1} @ W_{k+1}^T per hidden layer
    elif signal in ('dfa', 'drtp'):
        macs += b * C * sum(hidden)                        # s @ B_k
    elif signal == 'dkp':
        macs += 2 * b * C * sum(hidden)                    # s @ B_k and s^T @ H_k
    else:
        cb = C + C * C if expand else C
        macs += 2 * b * cb * sum(hidden)                   # s~^T @ H_k (R update) and s~ @ R_k
    if entropy:
        for n in hidden:
            f = min(n, math.ceil(b / 4))
            r = b + f
            macs += b * n * n + r * b * n + r * r * n + n * n * r   # HP, U P U^T, S^-1 (UP), (UP)^T K
    return macs


def padded_eye(n, value):
    """value*I in a buffer whose rows are 16 floats longer than n: with a row stride of 4 KiB (n = 1024) reading P.T
    thrashes the cache (the P += P.T below took 14 ms instead of 2.6 ms, 1 thread)."""
    a = np.zeros((n, n + 16), F32)[:, :n]
    a[np.arange(n), np.arange(n)] = value
    return a


class Net:
    def __init__(self, rule, batch, seed=0, track_m=False):
        self.loss_kind, self.signal, self.power, self.entropy, self.expand = CASES[rule]
        rng = np.random.default_rng(seed)
        self.W = [(rng.standard_normal((i, o)) * math.sqrt(2.0 / i)).astype(F32)
                  for i, o in zip(SIZES[:-1], SIZES[1:])]
        self.b = [np.zeros(o, F32) for o in SIZES[1:]]
        self.params = self.W + self.b
        self.m = [np.zeros_like(p) for p in self.params]
        self.v = [np.zeros_like(p) for p in self.params]
        self.t = 0
        self.scratch = np.empty(ADAM_CHUNK, F32)
        hidden = SIZES[1:-1]
        unit = lambda shape: (rng.uniform(-1, 1, shape) * math.sqrt(3.0)).astype(F32)   # unit variance
        if self.signal == 'fa':                          # FB[k] replaces W[k+1] for hidden layer k
            self.FB = [unit(w.shape) / F32(math.sqrt(w.shape[0])) for w in self.W[1:]]
        elif self.signal in ('dfa', 'drtp', 'dkp'):     # B_k: C x N_k
            self.FB = [unit((C, n)) / F32(math.sqrt(C)) for n in hidden]
        elif self.signal == 'broadcast':                 # R_k: C~ x N_k
            cb = C + C * C if self.expand else C
            self.R = [unit((cb, n)) * F32(R_INIT / math.sqrt(cb)) for n in hidden]
        if self.entropy:
            self.P = [padded_eye(n, 1 / ENT_EPS) for n in hidden]
            self.M = [np.eye(n) * ENT_EPS for n in hidden] if track_m else None   # float64 twin, --check only

    def forward(self, x):
        hs = [x]
        for k, (w, b) in enumerate(zip(self.W, self.b)):
            u = hs[-1] @ w
            u += b
            if k < len(self.W) - 1:
                np.maximum(u, 0, out=u)                  # ReLU in place: only H is kept, f'(U) = (H > 0)
            hs.append(u)
        return hs

    def score(self, z, y1):
        """s = dloss/dz and the loss (mean over the batch)."""
        if self.loss_kind == 'mse':
            s = z - y1
            return s, None, 0.5 * float(np.sum(s * s)) / len(z)
        e = np.exp(z - z.max(axis=1, keepdims=True))
        p = e / e.sum(axis=1, keepdims=True)
        loss = -float(np.mean(np.log(np.maximum(np.sum(p * y1, axis=1), 1e-30))))
        return p - y1, p, loss

    def loss(self, x, y1):
        return self.score(self.forward(x)[-1], y1)[2]

    def entropy_phi(self, k, h, mask):
        """Woodbury update of P_k = (R_h + eps I)^-1 (rank B + F) and the entropy term's Phi (signed for descent)."""
        P = self.P[k]
        b, n = h.shape
        f = min(n, math.ceil(b / 4))
        rows = (self.t * f + np.arange(f)) % n           # E_t: F identity rows, cycling through the units
        c = (1 - ENT_LAM) / b
        sq, sf = math.sqrt(c), math.sqrt((1 - ENT_LAM) * ENT_EPS * n / f)
        hs = h * F32(sq)
        up = np.empty((b + f, n), F32)                   # U P = [sqrt(c) H P ; s_f P[rows]]
        np.matmul(hs, P, out=up[:b])
        np.multiply(P[rows], F32(sf), out=up[b:])
        s = np.empty((b + f, b + f), F32)                # S = lam I + U P U^T, E_t columns by gather
        np.matmul(up, hs.T, out=s[:, :b])
        np.multiply(up[:, rows], F32(sf), out=s[:, b:])
        s.flat[:: b + f + 1] += F32(ENT_LAM)
        # K = S^-1 U P (= U P_new). OpenBLAS's gesv with many right-hand sides is slow at small S (B=128: 7.9 ms
        # against 2.6 ms for inv(S) @ UP, 1 thread); at B+F=1280 solve wins (250 ms against 312 ms).
        kk = np.linalg.inv(s) @ up if b + f <= 512 else np.linalg.solve(s, up)
        P -= up.T @ kk
        P *= F32(1 / ENT_LAM)
        P += P.T                                         # re-symmetrise (numpy buffers the overlapping transpose)
        P *= F32(0.5)
        if self.M is not None:
            M = self.M[k]
            M *= ENT_LAM
            M += c * (h.T.astype(np.float64) @ h)
            M[rows, rows] += sf * sf
        return kk[:b] * mask * F32(-ENT_COEF * sq)     # -coef * c * (K[:B]/sqrt(c)) * f'(U)

    def step(self, x, y1):
        hs = self.forward(x)
        s, p, loss = self.score(hs[-1], y1)
        b = len(x)
        L = len(self.W)
        phis = [None] * L
        phis[-1] = s * F32(1 / b)                        # output layer: true local gradient, mean over batch
        if self.signal == 'broadcast':
            sb = np.concatenate([s, (s[:, :, None] * p[:, None, :]).reshape(b, C * C)], 1) if self.expand else s
            sbz = sb * F32((1 - LAM) / b)                # zeta * s~
        for k in range(L - 2, -1, -1):                   # hidden layers, top down
            h = hs[k + 1]
            mask = (h > 0).astype(F32)
            if self.signal == 'bp':
                phi = phis[k + 1] @ self.W[k + 1].T
            elif self.signal == 'fa':
                phi = phis[k + 1] @ self.FB[k].T
            elif self.signal in ('dfa', 'dkp'):
                phi = phis[-1] @ self.FB[k]
            elif self.signal == 'drtp':
                phi = (y1 * F32(1 / b)) @ self.FB[k]
            else:
                R = self.R[k]
                R *= F32(LAM)
                R += sbz.T @ h                           # R <- lam R + (1-lam)/B s~^T H (includes this batch)
                phi = sbz @ R                            # zeta * modulatory signal s~ @ R
            phi *= mask
            if self.signal == 'dkp':                     # B <- B - eta (s^T H / B + decay B)
                self.FB[k] -= F32(DKP_ETA) * (phis[-1].T @ h + F32(DKP_DECAY) * self.FB[k])
            if self.power:                               # (4 coef/B)(p - P) H f'(U); H f'(U) = H for ReLU
                pw = np.mean(h * h, axis=0)
                phi += h * ((pw - F32(POWER_TARGET)) * F32(4 * POWER_COEF / b))
            if self.entropy:
                phi += self.entropy_phi(k, h, mask)
            phis[k] = phi
        grads = [hs[k].T @ phis[k] for k in range(L)] + [phi.sum(axis=0) for phi in phis]
        if ARGS.optimizer == 'adam':
            self.adam(grads)
        else:
            self.sgd(grads, momentum=ARGS.optimizer == 'momentum')
        return loss

    def sgd(self, grads, momentum):
        """Plain SGD, or heavy-ball momentum 0.9 (v <- 0.9 v + g; p <- p - lr v), in place."""
        for p, g, m in zip(self.params, grads, self.m):
            if momentum:
                m *= F32(0.9)
                m += g
                g = m
            p -= F32(LR) * g

    def adam(self, grads):
        """Adam, bias-corrected (in the equivalent form lr*sqrt(c2)/c1 * m / (sqrt(v) + eps*sqrt(c2))). Elementwise
        and memory-bound: numpy makes one pass per operation, so it runs on cache-sized chunks (~1.5x faster)."""
        self.t += 1
        c1, c2 = 1 - BETA1 ** self.t, 1 - BETA2 ** self.t
        rate, eps = F32(LR * math.sqrt(c2) / c1), F32(ADAM_EPS * math.sqrt(c2))
        for p, g, m, v in zip(self.params, grads, self.m, self.v):
            p, g, m, v = p.reshape(-1), g.reshape(-1), m.reshape(-1), v.reshape(-1)
            for i in range(0, p.size, ADAM_CHUNK):
                gg, mm, vv, pp = g[i:i + ADAM_CHUNK], m[i:i + ADAM_CHUNK], v[i:i + ADAM_CHUNK], p[i:i + ADAM_CHUNK]
                t = self.scratch[:gg.size]
                np.subtract(gg, mm, out=t)
                t *= F32(1 - BETA1)
                mm += t                                  # m <- b1 m + (1-b1) g
                np.multiply(gg, gg, out=t)
                t -= vv
                t *= F32(1 - BETA2)
                vv += t                                  # v <- b2 v + (1-b2) g^2
                np.sqrt(vv, out=t)
                t += eps
                np.divide(mm, t, out=t)
                t *= rate
                pp -= t


def data(batch, seed=1):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, SIZES[0])).astype(F32)
    y1 = np.eye(C, dtype=F32)[rng.integers(0, C, batch)]
    return x, y1


def best_sgemm(batches, repeats=5):
    """Best float32 GEMM rate (GFLOP/s) over the step's own shapes and a square 1024^3."""
    rng = np.random.default_rng(2)
    shapes = [(1024, 1024, 1024, False, False)]          # (m, k, n, A transposed, B transposed)
    for b in batches:
        shapes += [(b, 784, 1024, False, False), (b, 1024, 512, False, False),    # forward
                   (784, b, 1024, True, False), (1024, b, 512, True, False),      # H^T @ Phi
                   (b, 512, 1024, False, True)]                                   # Phi @ W^T (BP)
    best = 0.0
    for m, k, n, ta, tb in shapes:
        a = rng.standard_normal((k, m) if ta else (m, k)).astype(F32)
        bm = rng.standard_normal((n, k) if tb else (k, n)).astype(F32)
        a, bm = (a.T if ta else a), (bm.T if tb else bm)
        out = np.empty((m, n), F32)
        reps = max(1, int(2e8 / (m * n * k)))            # ~0.4 GFLOP per timing
        np.matmul(a, bm, out=out)
        for _ in range(repeats):
            t0 = time.perf_counter()
            for _ in range(reps):
                np.matmul(a, bm, out=out)
            best = max(best, 2.0 * m * n * k * reps / (time.perf_counter() - t0) / 1e9)
    return best


def time_rule(rule, batch, steps, warmup=5):
    net = Net(rule, batch)
    x, y1 = data(batch)
    for _ in range(warmup):
        net.step(x, y1)
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        net.step(x, y1)
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3


def blas_name():
    try:
        blas = np.show_config(mode='dicts')['Build Dependencies']['blas']
        return f"{blas.get('name')} {blas.get('version')}".strip()
    except Exception:
        return None


def check(rules, steps=200, batch=128):
    x, y1 = data(batch, seed=3)
    print(f'rule           loss before  loss after  P vs direct inverse  ({steps} steps, fixed batch {batch})')
    ok = True
    for rule in rules:
        net = Net(rule, batch, track_m=CASES[rule][3])
        before = net.loss(x, y1)
        for _ in range(steps):
            net.step(x, y1)
        after = net.loss(x, y1)
        drift = ''
        if net.entropy:                                  # tracked inverse against a direct one (float64)
            errs = [np.linalg.norm(P - np.linalg.inv(M)) / np.linalg.norm(np.linalg.inv(M)) for P, M in zip(net.P, net.M)]
            drift = '/'.join(f'{e:.1e}' for e in errs)
        ok &= after < before and math.isfinite(after)
        print(f'{rule:<15}{before:>11.4f}{after:>12.3g}  {drift}')
    return ok


def main():
    if ARGS.check:
        sys.exit(0 if check(ARGS.rules) else 1)
    sgemm = best_sgemm(ARGS.batch)
    results = []
    for batch in ARGS.batch:
        for rule in ARGS.rules:
            ms = time_rule(rule, batch, ARGS.steps)
            macs = step_macs(rule, batch)
            results.append({'rule': rule, 'batch': batch, 'ms_per_step': round(ms, 4),
                            'samples_per_s': round(batch * 1e3 / ms, 1), 'gflops': round(2 * macs / ms / 1e6, 2),
                            'macs': macs, 'gemm_limit_ms': round(2 * macs / sgemm / 1e6, 4)})
    report = {'threads': ARGS.threads, 'optimizer': ARGS.optimizer, 'numpy': np.__version__, 'blas': blas_name(),
              'sgemm_gflops': round(sgemm, 2), 'results': results}
    if ARGS.json:
        print(json.dumps(report))
        return
    print(f"numpy {report['numpy']}, {report['blas']}, threads {ARGS.threads}, best sgemm {sgemm:.1f} GFLOP/s")
    print(f'{"rule":<15}{"batch":>6}{"ms/step":>10}{"samples/s":>11}{"GFLOP/s":>9}{"MMAC":>8}{"limit ms":>10}'
          f'{"of limit":>9}')
    for r in results:
        print(f"{r['rule']:<15}{r['batch']:>6}{r['ms_per_step']:>10.2f}{r['samples_per_s']:>11.0f}{r['gflops']:>9.1f}"
              f"{r['macs'] / 1e6:>8.0f}{r['gemm_limit_ms']:>10.2f}{r['gemm_limit_ms'] / r['ms_per_step']:>9.2f}")


if __name__ == '__main__':
    main()
