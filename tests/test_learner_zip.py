"""A learner with only a lab's zip: what to install, how to check their work, honest dates.

- ``requirements-learner.txt`` takes its versions from ``requirements.txt`` (one source), and
  covers every package the labs import.
- ``check_my_lab.py`` is the shipped self-check, and runs from the unzipped folder alone.
- The notebook says what Jupyter's kernel would write, so opening it changes nothing.
- Every file is dated by the sources (``SOURCE_DATE_EPOCH`` or the last commit), and the same
  sources give the same bytes.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import time
import zipfile

import nbformat
import pytest

from grader.build import bundle, fixtures, learner_env, translated
from grader.build.course import source_dir
from grader.build.labsource import find_labs, read_lab
from grader.paths import LABS

LAB_IDS = [p.stem for p in find_labs(LABS)]


def _zip(built, lab_id: str, language: str = "en"):
    if language == "en":
        return built.paths.release_zip(lab_id)
    return translated.zip_path(built.paths, language, lab_id)


def _read(built, lab_id: str, name: str, language: str = "en") -> bytes:
    with zipfile.ZipFile(_zip(built, lab_id, language)) as archive:
        return archive.read(f"{lab_id}/{name}")


# What each language's README says where the English one says "Set up once".
SETUP_HEADING = {"en": "Set up once", "es": "Instalar una sola vez"}


@pytest.mark.parametrize("lab_id", LAB_IDS)
def test_requirements_in_the_zip_are_the_course_pins(built, lab_id):
    text = _read(built, lab_id, learner_env.FILE_NAME).decode("utf-8")
    pins = learner_env.course_pins()
    found = {}
    for line in text.splitlines():
        if line.strip() and not line.startswith(("#", "--")):
            name, version = line.split("==")
            found[name] = version
    assert list(found) == list(learner_env.PACKAGES)
    for name, version in found.items():
        assert pins[learner_env._normal(name)] == version, f"{name}: not the course's pin"
    assert "--only-binary :all:" in text  # nothing to compile on a learner's laptop


def test_the_learner_packages_cover_every_import_of_every_lab():
    provided = {learner_env._normal(p) for p in learner_env.PACKAGES}
    stdlib = set(sys.stdlib_module_names) | {"lab_checks"}
    missing = {}
    for path in find_labs(LABS):
        for cell in read_lab(path).notebook.cells:
            if cell.cell_type != "code":
                continue
            code = "\n".join(
                "" if ln.lstrip().startswith(("%", "!")) else ln for ln in cell.source.splitlines()
            )
            for node in ast.walk(ast.parse(code)):
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and not node.level:
                    names = [node.module or ""]
                else:
                    continue
                for name in names:
                    top = name.split(".")[0]
                    package = learner_env.IMPORT_NAMES.get(top, top)
                    if top not in stdlib and learner_env._normal(package) not in provided:
                        missing.setdefault(path.stem, set()).add(top)
    assert missing == {}, f"add these to learner_env.PACKAGES (and pin them): {missing}"


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("lab_id", LAB_IDS)
def test_the_zip_has_the_self_check_and_the_install_steps(built, lab_id, language):
    assert _read(built, lab_id, bundle.SELF_CHECK_NAME, language) == bundle.SELF_CHECK.read_bytes()
    readme = _read(built, lab_id, "README.txt", language).decode("utf-8")
    assert SETUP_HEADING[language] in readme
    assert learner_env.setup_steps(markdown=False, language=language)[:60] in readme
    for needed in (
        learner_env.FILE_NAME,
        "Windows",
        "macOS",
        "conda",
        "mamba",
        f"python {bundle.SELF_CHECK_NAME}",
        f"{learner_env.INSTALLED_MB} MB",
        f"{learner_env.DOWNLOAD_MB} MB",
    ):
        assert needed in readme, f"README.txt does not say {needed!r}"
    assert "python -m grader" not in readme  # a learner with the zip has no grader


def test_the_readme_quotes_the_measured_sizes():
    # The README cannot glue numbers in: it quotes the same measurement, checked here.
    from grader.paths import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"about {learner_env.DOWNLOAD_MB} MB to download" in readme
    assert f"{learner_env.INSTALLED_MB} MB on disk" in readme


@pytest.mark.parametrize("lab_id", LAB_IDS)
def test_the_notebook_opens_unmodified(built, lab_id):
    from ipykernel.kernelspec import get_kernel_dict

    native = get_kernel_dict()
    metadata = json.loads(_read(built, lab_id, f"{lab_id}.ipynb"))["metadata"]
    # What JupyterLab writes on opening, when it is not there yet (seen with JupyterLab 4.6).
    assert metadata["kernelspec"]["display_name"] == native["display_name"]
    assert metadata["kernelspec"]["name"] == "python3"
    assert metadata["language_info"]["name"] == "python"
    assert "version" not in metadata["language_info"]  # the learner's own Python's


def test_zip_dates_follow_the_sources_and_the_same_sources_give_the_same_bytes(
    built, tmp_path, monkeypatch
):
    lab_id = LAB_IDS[0]
    lab = read_lab(LABS / lab_id / f"{lab_id}.md")
    release = built.paths.course / "release" / lab_id
    with zipfile.ZipFile(built.paths.release_zip(lab_id)) as archive:
        stamps = {info.date_time for info in archive.infolist()}
    newest = time.gmtime(bundle.source_date_epoch())[:6]
    # A zip stores times to the even second below (MS-DOS format).
    assert stamps == {(*newest[:5], newest[5] - newest[5] % 2)}
    assert stamps != {(2024, 1, 1, 0, 0, 0)}, "a fixed date in the past looks years old"

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01 00:00 UTC
    first = bundle.pack_release(lab, release, tmp_path / "a.zip").read_bytes()
    second = bundle.pack_release(lab, release, tmp_path / "b.zip").read_bytes()
    assert first == second
    with zipfile.ZipFile(tmp_path / "a.zip") as archive:
        assert {i.date_time for i in archive.infolist()} == {(2026, 1, 1, 0, 0, 0)}


# What the self-check says when the first answer is right and the second is missing.
SAYS = {
    "en": ("✓ q1_count_tests", "✗ q2_roles_subscribers_tests", "visible checks pass"),
    "es": (
        "✓ q1_count_tests (1 punto(s))",
        "✗ q2_roles_subscribers_tests",
        "verificaciones visibles",
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("language", ["en", "es"])
def test_a_learner_checks_their_lab_from_the_unzipped_folder(built, tmp_path, language):
    lab_id = LAB_IDS[0]
    with zipfile.ZipFile(_zip(built, lab_id, language)) as archive:
        archive.extractall(tmp_path)
    folder = tmp_path / lab_id
    notebook = folder / f"{lab_id}.ipynb"
    source = source_dir(built.paths.course, lab_id) / f"{lab_id}.ipynb"
    first = fixtures.answer_ids(source)[:1]
    nbformat.write(fixtures.fill_answers(notebook, source, first), notebook)
    # Isolated (-I): no current folder or PYTHONPATH on sys.path, as a learner runs it.
    run = subprocess.run(
        [sys.executable, "-I", bundle.SELF_CHECK_NAME],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 1, run.stdout + run.stderr
    for said in SAYS[language]:
        assert said in run.stdout, run.stdout
    assert "Traceback" not in run.stdout + run.stderr


def test_the_spanish_install_steps_are_the_start_pages_translation():
    # One Spanish text: the zips and lab pages (learner_env) and the start page (its catalogue).
    from grader.book import catalogues

    catalogue = {
        m.id: m.string for m in catalogues.messages(catalogues.catalogue("es", "start-here"))
    }
    english = learner_env.setup_steps(markdown=True).split("\n\n")
    spanish = learner_env.setup_steps(markdown=True, language="es").split("\n\n")
    assert len(english) == len(spanish)
    for en, es in zip(english, spanish, strict=True):
        if en.startswith("```"):
            continue  # commands, the same in both
        assert catalogue.get(en) == es, f"start-here.po translates {en[:60]!r} otherwise"


def test_the_spanish_requirements_read_right_on_a_windows_laptop(monkeypatch):
    # pip decodes a requirements file in the computer's encoding unless the file names its own.
    import locale
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pip's own import warns about setuptools' distutils
        from pip._internal.utils.encoding import auto_decode

    monkeypatch.setattr(locale, "getpreferredencoding", lambda *_: "cp1252")
    spanish = learner_env.requirements_text(language="es")
    assert auto_decode(spanish.encode("utf-8")) == spanish
    english = learner_env.requirements_text()
    assert english.isascii()

    def pins(text: str) -> list[str]:
        return [line for line in text.splitlines() if not line.startswith("#")]

    assert pins(spanish) == pins(english)
