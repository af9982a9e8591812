"""Repository hygiene: single sources only, every lab and lesson reachable from the book."""

from __future__ import annotations

import subprocess

import yaml

from grader.book import data_appendix
from grader.build.labsource import find_labs
from grader.paths import BOOK, LABS, ROOT


def _toc_files() -> list[str]:
    toc = yaml.safe_load((BOOK / "_toc.yml").read_text(encoding="utf-8"))
    files = []

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                files.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc)
    return files


def test_no_notebooks_are_committed():
    tracked = subprocess.run(
        ["git", "ls-files", "*.ipynb"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if tracked.returncode != 0:  # not a git checkout (e.g. an unpacked release): check the tree
        found = [p for p in ROOT.rglob("*.ipynb") if "_build" not in p.parts]
        assert not [p for p in found if "labs" in p.parts or "book" in p.parts]
    else:
        assert tracked.stdout.strip() == ""


def test_every_lab_is_in_the_book():
    files = _toc_files()
    for lab in find_labs(LABS):
        assert f"labs/{lab.stem}" in files, f"add labs/{lab.stem} to book/_toc.yml"


def _generated_pages() -> set[str]:
    """Pages the build writes into the staging copy: lab pages and the data-card appendix."""
    return {f"labs/{p.stem}" for p in find_labs(LABS)} | set(data_appendix.docnames())


def test_every_toc_entry_exists():
    generated = _generated_pages()
    for entry in _toc_files():
        if entry in generated:
            continue
        assert (BOOK / f"{entry}.md").exists(), f"book/_toc.yml names a missing page: {entry}"


def test_generated_pages_are_not_in_the_sources():
    # A hand-written page with a generated page's name would be overwritten silently.
    for entry in data_appendix.docnames():
        assert not (BOOK / f"{entry}.md").exists(), f"book/{entry}.md is generated; remove it"


def test_every_data_card_is_in_the_book():
    files = _toc_files()
    for entry in data_appendix.docnames():
        assert entry in files, f"add {entry} to book/_toc.yml (under appendix/data/index)"


def test_every_lesson_states_objectives_and_time():
    for lesson in sorted((BOOK / "lessons").glob("*.md")):
        text = lesson.read_text(encoding="utf-8")
        assert "You will be able to" in text, f"{lesson.name}: add learning objectives"
        assert "**Time:**" in text, f"{lesson.name}: add an estimated time"
