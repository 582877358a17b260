"""Sampling-time corrections with the discriminator: DRS (Azadi et al. 2019) and MH-GAN (Turner et al. 2019).

    sampler = RejectionSampler(model, real, method="drs")   # calibrates on held-out real data at once
    x = sampler.sample(2500)                                # (2500, *data_shape)
    sampler.acceptance_rate                                 # accepted / proposed, over every sample() call

Both treat the generator as a proposal distribution ``q`` and use the discriminator's calibrated logit
``l(x) ~ log p(x)/q(x)`` (``lightning_gans.sampling.calibration``) to correct it toward the data ``p``:

- **DRS**: rejection sampling. A burn-in of generated samples estimates ``L = max l``; each candidate gets
  ``F(x) = l(x) - L - log(1 - exp(l(x) - L - epsilon)) - gamma`` and is kept with probability ``sigmoid(F)``.
  ``gamma`` is the ``gamma_percentile``-th percentile of ``F`` (without gamma) over the burn-in, so about
  ``100 - gamma_percentile`` % of the burn-in samples have ``F > 0``; ``L`` grows whenever a candidate beats it.
- **MH-GAN**: an independence Metropolis-Hastings chain per output sample, started at a real held-out sample (the
  paper's way to skip burn-in), with ``K`` generated proposals; proposal ``x'`` replaces the state ``x`` with
  probability ``min(1, (1/D(x) - 1) / (1/D(x') - 1)) = min(1, exp(l(x') - l(x)))``. A chain that accepted no
  proposal is restarted from a generated sample (so every output is generated), as in the paper.

Conditional models: every candidate or proposal is generated with the label asked for its output position and
scored by ``D(x, y)``; the calibration uses the real data's labels for the generated half too (matched priors),
and an MH chain of class ``y`` starts at a real sample of class ``y``.

A WGAN critic's unbounded score goes through the same calibration: the fitted ``a * score + b`` is what makes it a
log density ratio (the critic is monotone in it when it separates real from generated data at all). When the fit
fails (slope <= 0, non-finite scores) the sampler refuses with a ``ConfigError`` instead of sampling with a
meaningless ratio. A PacGAN discriminator scores packs of ``m`` samples: a sample is scored as a pack of ``m``
copies of itself (at the optimum a pack's logit is the sum of its members' log ratios, so this is ``m`` times the
sample's), divided by ``m``; the calibration fits the remaining scale.
"""

from __future__ import annotations

import math
from typing import Literal

import torch

from lightning_gans.capabilities import Discriminates
from lightning_gans.errors import ConfigError
from lightning_gans.sampling.calibration import Calibration, calibrate

Method = Literal["drs", "mh"]
METHODS = ("drs", "mh")


def check_scorer(model) -> None:
    """Refuses a model without a per-sample discriminator (a ``ConfigError`` naming the fix)."""
    if not isinstance(model, Discriminates):
        raise ConfigError(
            f"rejection sampling needs a GAN whose discriminator scores samples, and {type(model).__name__} has no "
            "`discriminator`/`discriminator_inputs`: sample without --rejection (or use a GAN checkpoint)."
        )


@torch.no_grad()
def discriminator_scores(
    model, x: torch.Tensor, labels: torch.Tensor | None = None, batch_size: int = 1024
) -> torch.Tensor:
    """The discriminator's raw ``(N,)`` scores (logits, or a critic's values) of ``(N, *data_shape)`` samples.

    The discriminator runs in eval mode (batch norm with running statistics), as ``sample`` runs the generator.
    A sample is scored as a real input (``discriminator_inputs``' real side: ``D(x)``, ``D(x, y)``, BiGAN's
    ``D(x, E(x))``). A packed discriminator (``pack`` m > 1) sees m copies of each sample; the score is divided
    by m (see the module docstring).

    Args:
        labels: ``(N,)`` classes for a conditional model, else None.
    """
    from lightning_gans.modules.gan import logits_of
    from lightning_gans.modules.latent import Latent

    check_scorer(model)
    pack = int(getattr(model, "pack", 1))
    net = model.discriminator
    was_training = net.training
    net.eval()
    scores = []
    try:
        for start in range(0, len(x), batch_size):
            chunk = x[start : start + batch_size].to(model.device)
            chunk_labels = None if labels is None else labels[start : start + batch_size].to(model.device)
            if pack > 1:  # consecutive rows form a pack: m copies of each sample
                chunk = chunk.repeat_interleave(pack, 0)
                chunk_labels = None if chunk_labels is None else chunk_labels.repeat_interleave(pack, 0)
            # the fake side is unused; BiGAN's reads latent.z, so it gets zeros of the right shape
            latent = Latent(
                torch.zeros(len(chunk), model.latent_dim, device=model.device), labels=chunk_labels
            )
            real_inputs, _ = model.discriminator_inputs(chunk, chunk_labels, chunk, latent)
            scores.append(logits_of(net(*real_inputs)).reshape(-1).float() / pack)
    finally:
        net.train(was_training)
    return torch.cat(scores)


class RejectionSampler:
    """Samples from a trained GAN corrected by its calibrated discriminator: DRS or MH-GAN.

    Building it calibrates the discriminator (and, for DRS, runs the burn-in); ``calibration`` holds the fit and
    its reliability. ``sample`` then behaves like ``GAN.sample(n, labels=...)``; the object has the ``sample``
    and ``device`` that ``lightning_gans.metrics.Evaluator.evaluate`` uses, so it can be evaluated like a model.

    Args:
        model: a GAN (any family with ``discriminator`` and ``discriminator_inputs``), unconditional or
            conditional.
        real: ``(N, *data_shape)`` held-out real samples (not the training batches the discriminator saw: it
            over-fits those). The calibration uses them and as many fresh samples; MH starts its chains at them.
        real_labels: ``(N,)`` their classes; required for a conditional model.
        method: ``"drs"`` or ``"mh"``.
        proposals: MH: proposals per chain (the paper's K).
        gamma_percentile: DRS: percentile of the burn-in's ``F`` used as gamma (higher: stricter, fewer
            accepted; 95 as in the authors' reference code).
        epsilon: DRS: keeps ``log(1 - exp(...))`` finite at the maximum (1e-6).
        burn_in: DRS: generated samples that estimate the maximum log ratio and gamma.
        batch_size: samples per generator / discriminator forward.
        ema: sample from the EMA generator when the model has one (as ``GAN.sample``).
        max_proposals_per_sample: DRS gives up (``ConfigError``) after this many proposals per asked sample.
    """

    def __init__(
        self,
        model,
        real: torch.Tensor,
        real_labels: torch.Tensor | None = None,
        method: Method = "drs",
        proposals: int = 20,
        gamma_percentile: float = 95.0,
        epsilon: float = 1e-6,
        burn_in: int = 5000,
        batch_size: int = 1000,
        ema: bool = True,
        max_proposals_per_sample: int = 1000,
    ) -> None:
        check_scorer(model)
        if method not in METHODS:
            raise ConfigError(f"rejection method must be one of {', '.join(METHODS)}, got {method!r}.")
        if proposals < 1 or burn_in < 1 or batch_size < 1:
            raise ConfigError("proposals, burn_in and batch_size must be >= 1.")
        if not 0 <= gamma_percentile <= 100:
            raise ConfigError(f"gamma_percentile must be in [0, 100], got {gamma_percentile}.")
        self.model = model
        self.num_classes = getattr(model, "num_classes", None)
        if self.num_classes is not None and real_labels is None:
            raise ConfigError(
                "this model is conditional: calibrating its discriminator needs the held-out real data's labels "
                "(real_labels), use a labelled data module."
            )
        self.method = method
        self.proposals, self.gamma_percentile, self.epsilon = proposals, gamma_percentile, epsilon
        self.batch_size, self.ema, self.max_proposals_per_sample = batch_size, ema, max_proposals_per_sample
        self.real = real.to(model.device)
        self.real_labels = None if self.num_classes is None else real_labels.to(model.device).long()
        self.proposed = 0
        self.accepted = 0
        # calibration: held-out real vs as many fresh samples, with the real labels (matched class priors)
        real_scores = discriminator_scores(model, self.real, self.real_labels, batch_size)
        fake = self._generate(len(self.real), self.real_labels)
        fake_scores = discriminator_scores(model, fake, self.real_labels, batch_size)
        self.calibration: Calibration = calibrate(real_scores, fake_scores)
        self.real_log_ratio = self.calibration.logit(real_scores)
        if method == "drs":
            burn_labels = self._labels_for(burn_in, None)
            burn_log_ratio = self.log_ratio(self._generate(burn_in, burn_labels), burn_labels)
            self.max_log_ratio = float(burn_log_ratio.max())
            burn_f = self._f(burn_log_ratio, self.max_log_ratio)
            self.gamma = float(torch.quantile(burn_f, gamma_percentile / 100))

    # ------------------------------------------------------------------------------------------ pieces
    @property
    def device(self) -> torch.device:
        return self.model.device

    @property
    def acceptance_rate(self) -> float:
        """Accepted proposals / proposals over every ``sample`` call (DRS: candidates kept; MH: moves)."""
        return self.accepted / self.proposed if self.proposed else float("nan")

    def describe(self) -> str:
        """One line: the method, its settings and the acceptance rate so far."""
        settings = (
            f"gamma = percentile {self.gamma_percentile:g} of the burn-in's F, epsilon {self.epsilon:g}"
            if self.method == "drs"
            else f"K = {self.proposals} proposals per chain, chains started at held-out real samples"
        )
        name = "DRS" if self.method == "drs" else "MH-GAN"
        return (
            f"{name} ({settings}): acceptance rate {100 * self.acceptance_rate:.1f}% "
            f"({self.accepted} of {self.proposed} proposals)"
        )

    def log_ratio(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """``(N,)`` calibrated logits of ``(N, *data_shape)`` samples: the estimate of ``log p(x)/q(x)``."""
        return self.calibration.logit(discriminator_scores(self.model, x, labels, self.batch_size))

    def _f(self, log_ratio: torch.Tensor, maximum: float) -> torch.Tensor:
        """DRS's ``(N,)`` ``F`` without gamma, ``l - L - log(1 - exp(l - L - epsilon))``, in float64 (finite
        because ``l <= L``: ``log1p(-exp(-epsilon))`` is about ``log(epsilon)``)."""
        delta = log_ratio.double() - maximum
        return delta - torch.log(-torch.expm1(delta - self.epsilon))

    def _labels_for(self, n: int, labels) -> torch.Tensor | None:
        """``(n,)`` classes for a conditional model (given, one int for all, or drawn as in training)."""
        if self.num_classes is None:
            if labels is not None:
                raise ConfigError(
                    "labels were given but this model is unconditional (num_classes is None): drop the labels."
                )
            return None
        if labels is None:
            labels = self.model.draw_labels(n)
        elif isinstance(labels, int):
            labels = torch.full((n,), labels, dtype=torch.long)
        labels = torch.as_tensor(labels, dtype=torch.long, device=self.device).flatten()
        if len(labels) != n or labels.min() < 0 or labels.max() >= self.num_classes:
            raise ConfigError(f"labels must be {n} classes in 0..{self.num_classes - 1}.")
        return labels

    def _generate(self, n: int, labels: torch.Tensor | None) -> torch.Tensor:
        """``(n, *data_shape)`` fresh samples of the model (labels ``(n,)`` or None), ``batch_size`` at a time."""
        chunks = []
        for start in range(0, n, self.batch_size):
            size = min(self.batch_size, n - start)
            chunk_labels = None if labels is None else labels[start : start + size]
            chunks.append(self.model.sample(size, ema=self.ema, labels=chunk_labels))
        return torch.cat(chunks)

    # ----------------------------------------------------------------------------------------- sampling
    @torch.no_grad()
    def sample(self, n: int | None = None, labels=None) -> torch.Tensor:
        """``(n, *data_shape)`` corrected samples; ``labels`` as for ``GAN.sample`` (conditional models only).

        ``n`` may be left out when ``labels`` is a sequence. Draws from the global RNG (seed it, or fork it, for
        reproducible samples). ``acceptance_rate`` is updated.
        """
        if n is None:
            if labels is None or isinstance(labels, int):
                raise ValueError("sample() needs n or a sequence of labels")
            n = len(labels)
        labels = self._labels_for(n, labels)
        if self.method == "drs":
            return self._sample_drs(n, labels)
        out = [
            self._sample_mh(
                min(self.batch_size, n - s), None if labels is None else labels[s : s + self.batch_size]
            )
            for s in range(0, n, self.batch_size)
        ]
        return torch.cat(out)

    def _sample_drs(self, n: int, labels: torch.Tensor | None) -> torch.Tensor:
        out: torch.Tensor | None = None
        pending = torch.arange(n, device=self.device)
        limit = n * self.max_proposals_per_sample
        proposed_here = 0
        while len(pending):
            # several candidates per open position, so a low acceptance rate needs few rounds
            rate = self.acceptance_rate if self.proposed else 0.5
            copies = int(min(64, max(1, math.ceil(1.5 / max(rate, 1e-3)))))
            copies = max(1, min(copies, self.batch_size * 8 // max(1, len(pending))))
            slot = pending.repeat_interleave(copies)
            slot_labels = None if labels is None else labels[slot]
            candidates = self._generate(len(slot), slot_labels)
            log_ratio = self.log_ratio(candidates, slot_labels)
            # the maximum grows as new maxima appear (Azadi et al.), before this round's F is computed
            self.max_log_ratio = max(self.max_log_ratio, float(log_ratio.max()))
            keep = torch.rand(len(slot), device=self.device) < torch.sigmoid(
                self._f(log_ratio, self.max_log_ratio) - self.gamma
            )
            self.proposed += len(slot)
            self.accepted += int(keep.sum())
            proposed_here += len(slot)
            if out is None:
                out = torch.empty(
                    (n, *candidates.shape[1:]), dtype=candidates.dtype, device=candidates.device
                )
            # the first kept candidate of each open position fills it
            kept = keep.view(len(pending), copies)
            filled = kept.any(dim=1)
            first = kept.float().argmax(dim=1)
            rows = torch.arange(len(pending), device=self.device)[filled] * copies + first[filled]
            out[pending[filled]] = candidates[rows]
            pending = pending[~filled]
            if len(pending) and proposed_here >= limit:
                raise ConfigError(
                    f"DRS accepted too few samples ({n - len(pending)} of {n} after {proposed_here} proposals, "
                    f"acceptance rate {100 * self.acceptance_rate:.2g}%): lower --gamma_percentile (e.g. 80) "
                    "or use --rejection mh."
                )
        return out

    def _real_starts(self, n: int, labels: torch.Tensor | None) -> torch.Tensor:
        """``(n,)`` indices of held-out real samples to start the chains at (of the chain's class)."""
        if labels is None:
            return torch.randint(len(self.real), (n,), device=self.device)
        starts = torch.empty(n, dtype=torch.long, device=self.device)
        for c in labels.unique().tolist():
            pool = (self.real_labels == c).nonzero().flatten()
            if len(pool) == 0:
                raise ConfigError(
                    f"MH-GAN starts each chain at a held-out real sample of its class, and the held-out data have "
                    f"none of class {c}: give more held-out real data (--calibration_num) or use --rejection drs."
                )
            wanted = labels == c
            starts[wanted] = pool[torch.randint(len(pool), (int(wanted.sum()),), device=self.device)]
        return starts

    def _chain(self, x, log_ratio, labels, steps: int):
        """Runs ``steps`` independence MH proposals from the states ``x`` (``(n, *shape)``, logits ``(n,)``)."""
        moved = torch.zeros(len(x), dtype=torch.bool, device=self.device)
        for _ in range(steps):
            proposal = self._generate(len(x), labels)
            proposal_log_ratio = self.log_ratio(proposal, labels)
            # min(1, (1/D(x) - 1) / (1/D(x') - 1)) = min(1, exp(l(x') - l(x))) with D = sigmoid(l)
            accept = torch.rand(len(x), device=self.device).log() <= proposal_log_ratio - log_ratio
            x = torch.where(accept.view(-1, *[1] * (x.dim() - 1)), proposal, x)
            log_ratio = torch.where(accept, proposal_log_ratio, log_ratio)
            moved |= accept
            self.proposed += len(x)
            self.accepted += int(accept.sum())
        return x, log_ratio, moved

    def _sample_mh(self, n: int, labels: torch.Tensor | None) -> torch.Tensor:
        starts = self._real_starts(n, labels)
        x, _, moved = self._chain(self.real[starts], self.real_log_ratio[starts], labels, self.proposals)
        stuck = ~moved
        if stuck.any():  # never left the real start: restart from a generated sample
            stuck_labels = None if labels is None else labels[stuck]
            first = self._generate(int(stuck.sum()), stuck_labels)
            x[stuck], _, _ = self._chain(
                first, self.log_ratio(first, stuck_labels), stuck_labels, self.proposals
            )
        return x
