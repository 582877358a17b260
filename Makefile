# Everything goes through uv with the committed uv.lock and the machine's own Python 3.11.
# uv is bootstrapped into .tools/ when it is not on PATH.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := 3.11
UV := $(or $(shell command -v uv 2>/dev/null),$(CURDIR)/.tools/bin/uv)
PY := .venv/bin/python
DEMO_ARGS ?=

.PHONY: install demo test test-fast test-slow test-docs-run lint format docs bench bench-speed bench-quality bench-peers bench-imbalance bench-clustering bench-anomaly bench-translation bench-translation-speed clean

$(CURDIR)/.tools/bin/uv:
	python3 -m venv .tools && .tools/bin/pip install --quiet uv

install: $(UV)
	$(UV) sync --frozen

## Train DCGAN on the embedded digits (a few minutes on 2 CPU cores); prints where the sample grid is.
demo: install
	$(PY) -m lightning_gans fit --config configs/dcgan/digits.yaml $(DEMO_ARGS)

## The default suite, then the slow checks (DDP, learning tests, kill/resume), each on TEST_WORKERS pytest-xdist
## workers (one torch thread each: tests/conftest.py); the 15 slowest tests of each are printed.
TEST_WORKERS ?= 2
test: install
	$(PY) -m pytest -n $(TEST_WORKERS) --durations=15
	$(PY) -m pytest -m slow -n $(TEST_WORKERS) --durations=15

test-fast: install
	$(PY) -m pytest -n $(TEST_WORKERS)

test-slow: install
	$(PY) -m pytest -m slow -n $(TEST_WORKERS)

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

## Imbalanced digits (docs/BENCHMARKS.md, "Imbalanced digits"), issue 25's table: digits and MNIST-5k x 5 seeds as
## 10 one-thread processes, BENCH_P at a time (CNN and logistic regression, the cGAN and BAGAN arms beside
## imbalanced-learn), then one report -> docs/bench_imbalance/{results.json,report.table.txt} and its block of
## docs/BENCHMARKS.md.
## The first table (digits, CNN, every arm of it): `$(PY) benchmarks/imbalance.py`.
IMBALANCE_ARMS := none class_weights random_oversampler smote cgan_acgan cgan_plus_ros cgan_filtered \
  bagan bagan_plus_ros bagan_filtered oracle
bench-imbalance: install
	@mkdir -p runs/bench_imbalance2
	for s in 0 1 2 3 4; do for d in mnist5k digits; do echo "$$d $$s"; done; done | OMP_NUM_THREADS=1 \
	  xargs -P $(BENCH_P) -n 2 sh -c '$(PY) benchmarks/imbalance.py --data $$0 --seeds $$1 --classifier cnn logreg \
	    --arms $(IMBALANCE_ARMS) --out runs/bench_imbalance2/$$0_s$$1 > runs/bench_imbalance2/$$0_s$$1.log 2>&1 \
	    || echo "FAILED: $$0 seed $$1"'
	$(PY) benchmarks/imbalance.py --merge runs/bench_imbalance2/*_s*/results.json --out docs/bench_imbalance

## Clustering (docs/BENCHMARKS.md, "Clustering"): ClusterGAN, BiGAN, InfoGAN vs KMeans, Ward, spectral, GMM,
## PCA+KMeans, t-SNE+KMeans on the digits and MNIST-5k, about 25 CPU minutes. One one-thread process per (data,
## seed), BENCH_P at a time, the GAN seeds first (they also run the classical methods), then the seeds with
## classical methods only (--gan-seeds -1 = none) -> docs/bench_clustering/{results.json,report.table.txt}
CLUSTERING_DIGITS_SEEDS ?= 0 1 2 3 4
CLUSTERING_DIGITS_GAN_SEEDS ?= 0 1 2
CLUSTERING_MNIST5K_SEEDS ?= 0 1 2 3 4
CLUSTERING_MNIST5K_GAN_SEEDS ?= 0 1
CLUSTERING_JOBS = $(foreach s,$(CLUSTERING_MNIST5K_GAN_SEEDS),mnist5k $(s) $(s)) \
  $(foreach s,$(CLUSTERING_DIGITS_GAN_SEEDS),digits $(s) $(s)) \
  $(foreach s,$(filter-out $(CLUSTERING_MNIST5K_GAN_SEEDS),$(CLUSTERING_MNIST5K_SEEDS)),mnist5k $(s) -1) \
  $(foreach s,$(filter-out $(CLUSTERING_DIGITS_GAN_SEEDS),$(CLUSTERING_DIGITS_SEEDS)),digits $(s) -1)
bench-clustering: install
	@mkdir -p runs/bench_clustering
	echo $(CLUSTERING_JOBS) | OMP_NUM_THREADS=1 xargs -P $(BENCH_P) -n 3 sh -c \
	  '$(PY) benchmarks/clustering.py --data $$0 --seeds $$1 --gan-seeds $$2 \
	    --out runs/bench_clustering/$$0_s$$1 > runs/bench_clustering/$$0_s$$1.log 2>&1 || echo "FAILED: $$0 seed $$1"'
	$(PY) benchmarks/clustering.py --merge runs/bench_clustering/*_s*/results.json --out docs/bench_clustering

## One-class digits (docs/BENCHMARKS.md, "Anomaly detection"): f-AnoGAN, BiGAN, D-only vs scikit-learn, 10 digits x 3 seeds
bench-anomaly: install
	$(PY) benchmarks/anomaly.py

## Image translation (docs/BENCHMARKS.md, "Image translation"): CycleGAN / pix2pix on the embedded digit domains
## beside source only, resize/blur/sharpen, histogram matching, CORAL and Otsu. 3 tasks x 3 seeds as 9 one-thread
## processes, BENCH_P at a time, longest task first (about 1 h at 2), then one report -> docs/bench_translation/{results.json,report.table.txt}
BENCH_P ?= 2
TRANSLATION_TASKS := mnist5k_digits mnist5k_mnistm mnistm_clean
bench-translation: install
	@mkdir -p runs/bench_translation
	for t in $(TRANSLATION_TASKS); do for s in 0 1 2; do echo "$$t $$s"; done; done | OMP_NUM_THREADS=1 \
	  xargs -P $(BENCH_P) -n 2 sh -c '$(PY) benchmarks/translation.py --tasks $$0 --seeds $$1 \
	    --out runs/bench_translation/$$0_s$$1 > runs/bench_translation/$$0_s$$1.log 2>&1 || echo "FAILED: $$0 seed $$1"'
	$(PY) benchmarks/translation.py --merge runs/bench_translation/*_s*/results.json --out docs/bench_translation

## Translation speed beside junyanz/pytorch-CycleGAN-and-pix2pix (docs/BENCHMARKS.md, "Image translation"): seconds per
## training step, same networks and sizes, one thread -> docs/bench_translation/{speed.json,speed.table.txt}. The
## reference's source must be in REF_DIR at REF_COMMIT (not in git; the target says how to get it); it runs in
## .venv-ref with only what its option and model packages import, pinned to the project's lock (same torch).
REF_DIR := .ref/pytorch-CycleGAN-and-pix2pix
REF_COMMIT := 2a7afba2895d52556dd5dfe07e8555ef657ced6f
REF_PY := .venv-ref/bin/python
bench-translation-speed: install
	@test -f $(REF_DIR)/models/cycle_gan_model.py || { echo "No reference source in $(REF_DIR): git clone \
	  https://github.com/junyanz/pytorch-CycleGAN-and-pix2pix $(REF_DIR) && git -C $(REF_DIR) checkout $(REF_COMMIT)"; exit 1; }
	$(UV) venv --allow-existing .venv-ref
	$(UV) export --frozen --no-hashes --no-emit-project --no-default-groups > .venv-ref/constraints.txt
	$(UV) pip install --python $(REF_PY) -c .venv-ref/constraints.txt torch torchvision numpy pillow
	OMP_NUM_THREADS=1 $(PY) benchmarks/translation_speed.py --ref-python $(REF_PY) --ref-dir $(REF_DIR) \
	  --ref-commit $(REF_COMMIT) --out docs/bench_translation

clean:
	rm -rf .venv .venv-peers .venv-ref .tools runs site
