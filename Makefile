# Everything goes through uv with the committed uv.lock and the machine's own Python 3.11.
# uv is bootstrapped into .tools/ when it is not on PATH.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := 3.11
UV := $(or $(shell command -v uv 2>/dev/null),$(CURDIR)/.tools/bin/uv)
PY := .venv/bin/python
DEMO_ARGS ?=

.PHONY: install demo test test-fast test-slow test-docs-run lint format docs bench bench-speed bench-quality bench-peers bench-imbalance bench-clustering bench-anomaly clean

$(CURDIR)/.tools/bin/uv:
	python3 -m venv .tools && .tools/bin/pip install --quiet uv

install: $(UV)
	$(UV) sync --frozen

## Train DCGAN on the embedded digits (a few minutes on 2 CPU cores); prints where the sample grid is.
demo: install
	$(PY) -m lightning_gans fit --config configs/dcgan/digits.yaml $(DEMO_ARGS)

## The default suite, then the slow checks (DDP, learning tests, kill/resume).
test: install
	$(PY) -m pytest --durations=15
	$(PY) -m pytest -m slow --durations=15

test-fast: install
	$(PY) -m pytest

test-slow: install
	$(PY) -m pytest -m slow

test-docs-run: install  ## every README / getting-started command as written, in a copy of the clone (~10 min)
	$(PY) -m pytest -m docs_run

lint: install
	.venv/bin/ruff check lightning_gans tests benchmarks
	.venv/bin/ruff format --check lightning_gans tests benchmarks

format: install
	.venv/bin/ruff format lightning_gans tests benchmarks
	.venv/bin/ruff check --fix lightning_gans tests benchmarks

## The documentation site -> site/ (strict: a broken link or a docstring griffe cannot read fails the build).
docs: install
	NO_MKDOCS_2_WARNING=1 .venv/bin/mkdocs build --strict

## Every benchmark: speed, then quality when benchmarks/quality.py exists (target bench-quality).
bench: bench-speed
	@if [ -f benchmarks/quality.py ]; then $(MAKE) --no-print-directory bench-quality; fi

## Speed (docs/BENCHMARKS.md, "Speed"): ours vs a plain loop vs the Lightning example, then the FID cost.
bench-speed: install
	$(PY) benchmarks/speed.py
	$(PY) benchmarks/fid_cost.py

## Quality benchmark (PacGAN protocol on ring8/grid25, digits FID/class KL; 3 seeds, long on CPU) -> docs/BENCHMARKS.md
bench-quality: install
	$(PY) benchmarks/quality.py

## Speed against TorchGAN 0.1.0 and Mimicry 0.1.16 (docs/BENCHMARKS.md, "Peers"). They live in .venv-peers (the
## project's lock synced into it, the peers added on top), so their old pins never touch uv.lock or .venv.
PEERS_PY := .venv-peers/bin/python
bench-peers: $(UV)
	UV_PROJECT_ENVIRONMENT=.venv-peers $(UV) sync --frozen
	$(UV) pip install --python $(PEERS_PY) torchgan==0.1.0 scikit-image
	$(UV) pip install --python $(PEERS_PY) --no-deps torch-mimicry==0.1.16
	$(PEERS_PY) benchmarks/peers.py --out docs/bench_peers/results.json

## Imbalanced digits (docs/BENCHMARKS.md, "Imbalanced digits"): GAN augmentation vs imbalanced-learn, 5 seeds
bench-imbalance: install
	$(PY) benchmarks/imbalance.py

## Clustering the digits (docs/BENCHMARKS.md, "Clustering"): InfoGAN variants vs KMeans, Ward, spectral, GMM, PCA+KMeans
bench-clustering: install
	$(PY) benchmarks/clustering.py

## One-class digits (docs/BENCHMARKS.md, "Anomaly detection"): f-AnoGAN, BiGAN, D-only vs scikit-learn, 10 digits x 3 seeds
bench-anomaly: install
	$(PY) benchmarks/anomaly.py

clean:
	rm -rf .venv .venv-peers .tools runs site
