#!/usr/bin/python3
"""Issue #5: the 1-D GAN training step of bench_gan.c written with PyTorch (CPU, float64), for the steps/s comparison.

The same networks (sizes, activation, initial weights when given a bench_gan export), the same non-saturating loss,
batch, hyper-parameters and step structure: draw data and latents; one discriminator Adam step on D([xr, G(zd)]);
one generator step on D(G(zg)) with the updated D. Generator optimisers: torch.optim.SGD / torch.optim.Adam, and the
natural gradient written here from THEORY.md 7: per-sample Jacobians J (N x P) of G, Gauss-Newton metric
J^T J / N + lambda I, direction by Cholesky (torch.linalg.cholesky on the P x P metric) or Woodbury
(d = (g - J^T (J J^T + N lambda I)^-1 J g) / lambda, Cholesky of the N x N matrix), optional heavy-ball momentum.
Per-sample Jacobians: functorch vmap(jacrev(.)) (torch 1.13 has no torch.func) or, with --jacobian loop or without
functorch, one autograd.grad per sample.

  --check: run bench_gan -bench_export, replay its steps from its weights and samples here, and compare the
           parameters after them (exit 1 if they, or their changes, differ by more than 1e-10 relative; 77 = skipped,
           no torch). bench_gan's proto_woodbury (a prototype natgrad solve) is replayed as natgrad with Woodbury.
  otherwise: time the steps like bench_gan (warm-up, then repeats of S steps; median steps/s), for each thread
           count of --threads (1 = torch.set_num_threads(1); "default" = the thread count torch starts with).
Usage: benchmarks/run_gan_benchmarks.sh runs this beside bench_gan; docs/benchmarks.md has the method and results.
"""
import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import time

SKIP = 77  # CTest SKIP_RETURN_CODE of bench_gan_torch_agree
PHASES = ("sample", "disc_step", "gen_grad", "jacobian", "gen_update")
DEFAULT_OPTIMS = "sgd,adam,natgrad_cholesky,natgrad_woodbury,natgrad,natgrad_momentum,proto_woodbury"


def parse_export(path):
    """Blocks of a bench_gan export: {'optim': name, 'cfg': {...}, 'gen': {...}, 'disc': {...}, 'vec': {name: [floats]}}."""
    blocks, cur = [], None
    with open(path) as f:
        lines = iter(f.read().splitlines())
        for line in lines:
            if not line or line.startswith("#"):
                continue
            tok = line.split()
            if tok[0] == "optim":
                cur = {"optim": tok[1], "cfg": dict(zip(tok[2::2], tok[3::2])), "vec": {}}
            elif tok[0] in ("gen", "disc"):
                cur[tok[0]] = dict(zip(tok[1::2], tok[2::2]))
            elif tok[0] == "vector":
                vals = [float(x) for x in next(lines).split()]
                if len(vals) != int(tok[2]):
                    raise ValueError(f"{path}: vector {tok[1]} has {len(vals)} values, header says {tok[2]}")
                cur["vec"][tok[1]] = vals
            elif tok[0] == "end":
                blocks.append(cur)
                cur = None
            else:
                raise ValueError(f"{path}: unexpected line {line[:60]!r}")
    return blocks


class Net:
    """An MLP as W2MLPCreate builds it: `depth` hidden layers of `width` units with a hidden activation, linear output."""

    def __init__(self, torch, nin, nout, spec):
        nn = torch.nn
        depth, width = int(spec["depth"]), int(spec["width"])
        sizes = [nin] + [width] * depth + [nout]
        act = spec["activation"]
        layers = []
        for l in range(len(sizes) - 1):
            layers.append(nn.Linear(sizes[l], sizes[l + 1]).double())
            if l + 1 < len(sizes) - 1:
                if act == "relu":
                    layers.append(nn.ReLU())
                elif act == "tanh":
                    layers.append(nn.Tanh())
                elif act == "leaky_relu":
                    layers.append(nn.LeakyReLU(float(spec["leak"])))
                else:
                    raise ValueError(f"unknown activation {act}")
        self.module = nn.Sequential(*layers)
        self.linears = [m for m in layers if isinstance(m, nn.Linear)]
        self.params = list(self.module.parameters())
        self.torch = torch

    def load_w2(self, flat):
        """Weights in W2MLP order: per layer W (out x in, column-major) then b."""
        t = self.torch
        off = 0
        with t.no_grad():
            for lin in self.linears:
                o, i = lin.weight.shape
                lin.weight.copy_(t.tensor(flat[off:off + o * i], dtype=t.float64).reshape(i, o).t())
                off += o * i
                lin.bias.copy_(t.tensor(flat[off:off + o], dtype=t.float64))
                off += o
        if off != len(flat):
            raise ValueError(f"{len(flat)} weights for a network of {off}")

    def w2_flat(self):
        t = self.torch
        return t.cat([t.cat((lin.weight.detach().t().reshape(-1), lin.bias.detach())) for lin in self.linears])


class NatGrad:
    """theta -= lr m, m = mu m + d, d = (J^T J / N + lambda I)^-1 g (THEORY.md 7), on the parameters in torch's order
    (the direction does not depend on the order: the metric and lambda I permute together)."""

    def __init__(self, torch, params, lr, damping, momentum, solver):
        self.t, self.params, self.lr, self.lam, self.mu, self.solver = torch, params, lr, damping, momentum, solver
        self.m = torch.zeros(sum(p.numel() for p in params), dtype=torch.float64)

    def direction(self, J, g):
        t, lam = self.t, self.lam
        N, P = J.shape
        solver = self.solver
        if solver == "auto":
            solver = "woodbury" if N < P and lam > 0 else "cholesky"
        if solver == "cholesky":
            G = J.t() @ J / N
            G.diagonal().add_(lam)
            return t.cholesky_solve(g.unsqueeze(1), t.linalg.cholesky(G)).squeeze(1)
        if solver == "woodbury":
            K = J @ J.t()
            K.diagonal().add_(N * lam)
            w = t.cholesky_solve((J @ g).unsqueeze(1), t.linalg.cholesky(K)).squeeze(1)
            return (g - J.t() @ w) / lam
        raise ValueError(f"solver {solver} is not implemented here")

    def step(self, J, grads):
        t = self.t
        with t.no_grad():
            g = t.cat([x.reshape(-1) for x in grads])
            self.m.mul_(self.mu).add_(self.direction(J, g))
            off = 0
            for p in self.params:
                p.sub_(self.lr * self.m[off:off + p.numel()].view_as(p))
                off += p.numel()


class Trainer:
    def __init__(self, torch, block, jacobian, init=True):
        import torch.nn.functional as F
        self.t, self.F = torch, F
        cfg, gs, ds = block["cfg"], block["gen"], block["disc"]
        self.B, self.latent = int(cfg["batch"]), int(cfg["latent"])
        self.mu_data, self.sd_data = float(cfg["mu"]), float(cfg["sd"])
        self.gen, self.disc = Net(torch, self.latent, 1, gs), Net(torch, 1, 1, ds)
        if init:
            self.gen.load_w2(block["vec"]["gen_init"])
            self.disc.load_w2(block["vec"]["disc_init"])
        self.dopt = torch.optim.Adam(self.disc.params, lr=float(ds["lr"]), betas=(float(ds["beta1"]), float(ds["beta2"])), eps=float(ds["eps"]))
        gtype = cfg["type"]
        self.natgrad = gtype.startswith("natgrad")
        if gtype == "sgd":
            self.gopt = torch.optim.SGD(self.gen.params, lr=float(gs["lr"]), momentum=float(gs["momentum"]))
        elif gtype == "adam":
            self.gopt = torch.optim.Adam(self.gen.params, lr=float(gs["lr"]), betas=(float(gs["beta1"]), float(gs["beta2"])), eps=float(gs["eps"]))
        elif self.natgrad:
            self.gopt = NatGrad(torch, self.gen.params, float(gs["lr"]), float(gs["damping"]), float(gs["momentum"]), cfg["solver"])
        else:
            raise ValueError(f"optimiser {gtype} is not written here")
        self.jacobian = jacobian
        if self.natgrad and jacobian == "vmap":
            from functorch import jacrev, vmap
            from torch.nn.utils.stateless import functional_call
            names = [n for n, _ in self.gen.module.named_parameters()]
            module = self.gen.module

            def g_one(params, z1):
                return functional_call(module, dict(zip(names, params)), (z1.unsqueeze(0),)).reshape(-1)

            self.per_sample_jac = vmap(jacrev(g_one), in_dims=(None, 0))
        self.phase = [0.0] * len(PHASES)

    def jacobian_rows(self, z):
        """J: (N, P) per-sample Jacobians of the generator's output, columns in torch's parameter order."""
        t = self.t
        if self.jacobian == "vmap":
            jac = self.per_sample_jac(tuple(p.detach() for p in self.gen.params), z)
            return t.cat([j.reshape(z.shape[0], -1) for j in jac], dim=1)
        rows = []
        for k in range(z.shape[0]):
            out = self.gen.module(z[k:k + 1]).sum()
            rows.append(t.cat([g.reshape(-1) for g in t.autograd.grad(out, self.gen.params)]))
        return t.stack(rows)

    def sample(self, gen):
        t = self.t
        xr = self.mu_data + self.sd_data * t.randn(self.B, 1, dtype=t.float64, generator=gen)
        zd = t.randn(self.B, self.latent, dtype=t.float64, generator=gen)
        zg = t.randn(self.B, self.latent, dtype=t.float64, generator=gen)
        return xr, zd, zg

    def step(self, xr, zd, zg):
        t, F, B = self.t, self.F, self.B
        t0 = time.perf_counter()
        # discriminator: one Adam step on loss_d = E_P softplus(-v) + E_Q softplus(v)
        with t.no_grad():
            xf = self.gen.module(zd)
        v = self.disc.module(t.cat((xr, xf)))
        loss_d = F.softplus(-v[:B]).mean() + F.softplus(v[B:]).mean()
        for p, g in zip(self.disc.params, t.autograd.grad(loss_d, self.disc.params)):
            p.grad = g
        self.dopt.step()
        t1 = time.perf_counter()
        # generator: loss_g = E_Q softplus(-D(G(z))) through the updated discriminator
        loss_g = F.softplus(-self.disc.module(self.gen.module(zg))).mean()
        grads = t.autograd.grad(loss_g, self.gen.params)
        t2 = time.perf_counter()
        J = self.jacobian_rows(zg) if self.natgrad else None
        t3 = time.perf_counter()
        if self.natgrad:
            self.gopt.step(J, grads)
        else:
            for p, g in zip(self.gen.params, grads):
                p.grad = g
            self.gopt.step()
        t4 = time.perf_counter()
        for k, dt in enumerate((t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
            self.phase[k + 1] += dt


def tensors_of_step(torch, block, s):
    v, B, L = block["vec"], int(block["cfg"]["batch"]), int(block["cfg"]["latent"])
    as_t = lambda name, shape: torch.tensor(v[f"{name}_{s}"], dtype=torch.float64).reshape(shape)
    return as_t("xr", (B, 1)), as_t("zd", (B, L)), as_t("zg", (B, L))


def check(args, torch):
    """Replay bench_gan's exported steps; parameters after them must agree to 1e-10 (relative, max norm)."""
    path = os.path.join(args.workdir, "bench_gan_check.txt")
    cmd = [args.bench_exe, "-bench_export", path, "-bench_export_steps", str(args.check_steps), "-bench_optims", args.optims]
    subprocess.run(cmd, check=True)
    fails = 0
    for block in parse_export(path):
        # per-sample Jacobians by vmap for every natgrad variant, and once by the autograd loop (the fallback)
        modes = (["vmap"] + (["loop"] if block["optim"] == "natgrad_woodbury" else [])) if have_functorch() else ["loop"]
        for jac in modes if block["cfg"]["type"].startswith("natgrad") else ["-"]:
            tr = Trainer(torch, block, jac if jac != "-" else "loop")
            for s in range(int(block["cfg"]["steps"])):
                tr.step(*tensors_of_step(torch, block, s))
            rel, upd = [], []
            for net, name in ((tr.gen, "gen"), (tr.disc, "disc")):
                mine = net.w2_flat()
                ref = torch.tensor(block["vec"][f"{name}_final"], dtype=torch.float64)
                init = torch.tensor(block["vec"][f"{name}_init"], dtype=torch.float64)
                rel.append(float((mine - ref).abs().max() / ref.abs().max()))
                upd.append(float((mine - ref).abs().max() / (ref - init).abs().max()))
            # 1e-10: both codes do the same float64 arithmetic in other orders (BLAS sums, LAPACK Cholesky); after a few
            # steps round-off grows at most by the metric's condition number times eps, far below 1e-10 of the weights
            # the same bound on the change of the weights (lr 1e-3 makes the change ~1e-3 of the weights): measured ~1e-13
            ok = max(rel) <= 1e-10 and max(upd) <= 1e-10
            fails += not ok
            print(f"{'pass' if ok else 'FAIL'}: {block['optim']:<18} jacobian {jac:<4} {block['cfg']['steps']} steps: max|torch - bench_gan| / max|w|"
                  f" = {rel[0]:.2e} (generator), {rel[1]:.2e} (discriminator); relative to the change of the weights:"
                  f" {upd[0]:.2e}, {upd[1]:.2e} (all <= 1e-10)")
    print(f"{fails} failed")
    return 1 if fails else 0


def have_functorch():
    return importlib.util.find_spec("functorch") is not None


def bench(args, torch):
    default_threads = torch.get_num_threads()
    blocks = {b["optim"]: b for b in parse_export(args.config)}
    jac = args.jacobian if have_functorch() else "loop"
    print(f"# bench_gan_torch: torch {torch.__version__}, float64, CPU; per-sample Jacobians by {'functorch vmap(jacrev)' if jac == 'vmap' else 'an autograd.grad loop'};"
          f" default threads {default_threads}; weights and hyper-parameters from {os.path.basename(args.config)}")
    print(f"# steps/s: median over {args.repeats} repeats (after {args.warmup} untimed steps); cpu_steps_s: steps per processor second of the process, all threads (median); phases: mean wall microseconds per step (median over repeats); checksum after the warm-up")
    print(f"{'optim':<18} {'threads':>7} {'steps_per_s':>12} {'min':>12} {'max':>12} {'cpu_steps_s':>12} {'steps':>6} {'reps':>5}" + "".join(f" {p:>11}" for p in PHASES) + "  checksum")
    for threads in args.threads.split(","):
        nt = default_threads if threads == "default" else int(threads)
        torch.set_num_threads(nt)
        for name in args.optims.split(","):
            if name not in blocks:
                raise SystemExit(f"{args.config} has no optimiser {name}: export it with bench_gan -bench_optims")
            tr = Trainer(torch, blocks[name], jac)
            gen = torch.Generator().manual_seed(args.seed)

            def steps(n):
                for _ in range(n):
                    t0 = time.perf_counter()
                    smp = tr.sample(gen)
                    tr.phase[0] += time.perf_counter() - t0
                    tr.step(*smp)

            steps(args.warmup)
            with torch.no_grad():
                g, d = tr.gen.w2_flat(), tr.disc.w2_flat()
                csum = (float(g.sum()), float(g.abs().sum()), float(d.sum()), float(d.abs().sum()))
            S = args.steps
            if not S:
                n, t0 = 0, time.perf_counter()
                while True:
                    steps(1)
                    n += 1
                    if time.perf_counter() - t0 >= 0.1 * args.budget or n >= 1000:
                        break
                S = max(1, int(args.budget / ((time.perf_counter() - t0) / n)))
            rates, cpus, ph = [], [], [[] for _ in PHASES]
            for _ in range(args.repeats):
                tr.phase = [0.0] * len(PHASES)
                c0, t0 = time.process_time(), time.perf_counter()
                steps(S)
                rates.append(S / (time.perf_counter() - t0))
                cpus.append(S / (time.process_time() - c0))
                for k in range(len(PHASES)):
                    ph[k].append(1e6 * tr.phase[k] / S)
            print(f"{name:<18} {nt:>7} {statistics.median(rates):12.2f} {min(rates):12.2f} {max(rates):12.2f} {statistics.median(cpus):12.2f} {S:6d} {args.repeats:5d}"
                  + "".join(f" {statistics.median(p):11.2f}" for p in ph) + "  " + " ".join(f"{c:.15e}" for c in csum), flush=True)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="cross-check against bench_gan (CTest bench_gan_torch_agree)")
    ap.add_argument("--bench-exe", help="bench_gan executable (--check)")
    ap.add_argument("--workdir", default=".", help="where --check writes its export")
    ap.add_argument("--check-steps", type=int, default=3, help="training steps replayed by --check")
    ap.add_argument("--config", help="a bench_gan -bench_export file: networks, weights, hyper-parameters (timing)")
    ap.add_argument("--optims", default=DEFAULT_OPTIMS)
    ap.add_argument("--threads", default="1,default", help="comma-separated: thread counts, or 'default'")
    ap.add_argument("--jacobian", choices=("vmap", "loop"), default="vmap")
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--budget", type=float, default=0.5, help="seconds per repeat")
    ap.add_argument("--steps", type=int, default=0, help="steps per repeat (0: from --budget)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    try:
        import torch
    except ImportError:
        print("SKIP: PyTorch is not importable by /usr/bin/python3 (apt-get install python3-torch)")
        return SKIP
    if args.check:
        if not args.bench_exe:
            ap.error("--check needs --bench-exe")
        return check(args, torch)
    if not args.config:
        ap.error("timing needs --config (a bench_gan -bench_export file)")
    if args.warmup < 0 or args.repeats < 1 or args.budget <= 0 or args.steps < 0:
        ap.error("--warmup >= 0, --repeats >= 1, --budget > 0, --steps >= 0 required")
    return bench(args, torch)


if __name__ == "__main__":
    sys.exit(main())
