"""The documentation site: every public name has an API page, every config is documented, and the site builds in
strict mode (a broken link, a missing page or a docstring griffe cannot read fails)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

import lightning_gans

ROOT = Path(__file__).parents[2]
DOCS = ROOT / "docs"


def nav_pages(nav) -> list[str]:
    """Every page path in mkdocs.yml's nav."""
    if isinstance(nav, str):
        return [nav]
    if isinstance(nav, dict):
        return [p for value in nav.values() for p in nav_pages(value)]
    return [p for item in nav for p in nav_pages(item)]


def test_every_public_name_has_an_api_page_in_the_nav():
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    pages = nav_pages(config["nav"])
    for name in lightning_gans.__all__:
        page = DOCS / "api" / f"{name}.md"
        assert page.exists(), f"no API page for lightning_gans.{name}"
        assert f"::: lightning_gans.{name}\n" in page.read_text()
        assert f"api/{name}.md" in pages, f"api/{name}.md is not in mkdocs.yml's nav"


def test_every_page_is_in_the_nav():
    pages = set(nav_pages(yaml.safe_load((ROOT / "mkdocs.yml").read_text())["nav"]))
    on_disk = {str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md")}
    assert on_disk == pages


def test_every_config_is_documented():
    documented = (DOCS / "configs.md").read_text()
    for config in sorted((ROOT / "configs").rglob("*.yaml")):
        assert f"`{config.relative_to(ROOT)}`" in documented, config


def test_site_builds_in_strict_mode(tmp_path):
    mkdocs = Path(sys.executable).parent / "mkdocs"
    run = subprocess.run(
        [str(mkdocs), "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        env=dict(os.environ, NO_MKDOCS_2_WARNING="1"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    dcgan = (tmp_path / "site" / "api" / "DCGAN" / "index.html").read_text()
    assert "generator_width" in dcgan  # the reference is generated from the docstrings
    gan = (tmp_path / "site" / "api" / "GAN" / "index.html").read_text()
    for page in (dcgan, gan):  # every argument has a default: none may be shown as required
        assert "<em>required</em>" not in page and ">required<" not in page


def test_getting_started_shows_the_real_help_of_every_command():
    """The help block in docs/getting-started.md is what ``lightning-gans --help`` prints (every command)."""
    page = (DOCS / "getting-started.md").read_text()
    block = page.split("$ .venv/bin/lightning-gans --help\n", 1)[1].split("```", 1)[0]
    printed = subprocess.run(
        [str(Path(sys.executable).parent / "lightning-gans"), "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    assert block.strip() == printed.strip()
