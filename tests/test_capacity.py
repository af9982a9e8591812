"""The capacity self-assessment and the resource catalogue: the data, the scoring, the cohort
report and its command line. The offline page itself is driven in a browser in
``test_capacity_page.py``."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from grader.capacity import ResponseError, load_catalogue, load_instrument, read_response
from grader.capacity import catalogue as cat
from grader.capacity.page import form_html, payload
from grader.capacity.report import cohort_report, summary
from grader.capacity.scoring import all_matches, gaps, largest_gaps, levels, matches
from grader.cli import main
from grader.errors import GraderError
from grader.paths import BOOK, LABS

INSTRUMENT = load_instrument()
CATALOGUE = load_catalogue(INSTRUMENT)


def _response(answers: dict, round_: str = "before", **extra) -> dict:
    data = {
        "instrument": INSTRUMENT.id,
        "instrument_version": INSTRUMENT.version,
        "saved": "2026-11-30T10:00:00.000Z",
        "respondent": {"kind": "institution", "label": "team A", "country": "uruguay"},
        "round": round_,
        "answers": answers,
    }
    data.update(extra)
    return data


def _write(folder: Path, name: str, data) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    text = data if isinstance(data, str) else json.dumps(data)
    path.write_text(text, encoding="utf-8")
    return path


def _all(level: int) -> dict:
    return dict.fromkeys(INSTRUMENT.statement_ids(), level)


# --- The instrument -----------------------------------------------------------------------------


def test_the_instrument_has_about_thirty_statements_over_every_step_and_role():
    statements = INSTRUMENT.statements
    assert 25 <= len(statements) <= 35
    assert {s["step"] for s in statements} == {s["id"] for s in INSTRUMENT.steps}
    assert {s["role"] for s in statements} == {r["id"] for r in INSTRUMENT.roles}
    assert len(INSTRUMENT.steps) == 11, "the eleven steps of Lesson 2"
    assert {r["id"] for r in INSTRUMENT.roles} == {
        "policy",
        "legal",
        "statistics",
        "it-security",
        "leadership",
    }
    for statement in statements:
        assert len(statement["anchors"]) == 4, statement["id"]
        assert len(set(statement["anchors"])) == 4, f"{statement['id']}: repeated anchors"


def test_the_steps_are_lesson_2s_steps_in_order():
    lesson = (BOOK / "lessons" / "02-request-to-closure.md").read_text(encoding="utf-8")
    for step in INSTRUMENT.steps:
        assert f'("{step["number"]}. {step["title"]}"' in lesson, step["title"]


def test_every_lesson_lab_and_design_source_the_instrument_names_exists():
    bib = (BOOK / "references.bib").read_text(encoding="utf-8")
    for source in INSTRUMENT.raw["design_sources"]:
        assert f"{{{source['key']}," in bib, f"add {source['key']} to book/references.bib"
    for step in INSTRUMENT.steps:
        for lesson in step["lessons"]:
            assert (BOOK / f"{lesson}.md").exists(), lesson
        for lab in step["labs"]:
            assert (LABS / lab / f"{lab}.md").exists(), lab


def test_a_broken_instrument_is_refused_with_every_problem_named(tmp_path):
    raw = yaml.safe_load(cat.INSTRUMENT.read_text(encoding="utf-8"))
    raw["statements"][0]["step"] = "no-such-step"
    raw["statements"][1]["id"] = raw["statements"][2]["id"]
    raw["statements"][3]["anchors"] = ["only one"]
    path = tmp_path / "instrument.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(GraderError) as caught:
        load_instrument(path)
    assert "anchors" in str(caught.value)  # schema problems come first
    raw["statements"][3]["anchors"] = ["zero", "one", "two", "three"]
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(GraderError) as caught:
        load_instrument(path)
    message = str(caught.value)
    assert "unknown step 'no-such-step'" in message
    assert "is used twice" in message


# --- The catalogue ------------------------------------------------------------------------------


def test_the_catalogue_has_at_least_40_resources_each_with_its_facts():
    resources = CATALOGUE.resources
    assert len(resources) >= 40
    for resource in resources:
        assert resource["url"].startswith(("https://", "http://")), resource["id"]
        assert resource["confirmed"]["url"].startswith(("https://", "http://")), resource["id"]
        assert resource["title"].strip(), resource["id"]
        assert resource["publisher"].strip(), resource["id"]


def test_every_step_and_role_has_resources_and_spanish_is_represented():
    for kind in ("step", "role"):
        for area in INSTRUMENT.areas(kind):
            assert len(matches(CATALOGUE, kind, area["id"], limit=10)) >= 2, area["id"]
    spanish = [r for r in CATALOGUE.resources if "es" in r["languages"]]
    assert len(spanish) >= 5, "Uruguay's civil servants need resources in Spanish"


def test_the_catalogue_names_the_resources_the_issue_asks_for():
    text = " ".join(f"{r['title']} {r['publisher']}" for r in CATALOGUE.resources)
    for name in (
        "Roadmap to Accessing Mobile Network Data",
        "Handbook on the Use of Mobile Phone Data",
        "ITU Academy",
        "Statistical Disclosure Control",
        "sdcMicro",
        "OpenDP",
        "Contracts for Data Collaboration",
        "Data Ethics Canvas",
        "Flowminder",
        "PARIS21",
        "GSMA",
        "UN Global Pulse",
        "Development Data Partnership",
        "URCDP",
    ):
        assert name in text, name


def test_a_resource_with_an_unknown_step_is_refused(tmp_path):
    raw = yaml.safe_load(cat.RESOURCES.read_text(encoding="utf-8"))
    raw["resources"][0]["steps"] = ["nowhere"]
    raw["resources"][1]["languages"] = ["xx"]
    path = tmp_path / "resources.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(GraderError, match="languages"):
        load_catalogue(INSTRUMENT, path)
    raw["resources"][1]["languages"] = ["en"]
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(GraderError, match="unknown step 'nowhere'"):
        load_catalogue(INSTRUMENT, path)


def test_matches_put_the_readers_language_and_specific_resources_first():
    found = all_matches(CATALOGUE, INSTRUMENT, limit=3)
    assert set(found) == {f"step:{s['id']}" for s in INSTRUMENT.steps} | {
        f"role:{r['id']}" for r in INSTRUMENT.roles
    }
    by_id = CATALOGUE.by_id()
    for key, ids in found.items():
        kind, area = key.split(":")
        field = "steps" if kind == "step" else "roles"
        assert ids, key
        assert all(area in by_id[i][field] for i in ids), key
        order = [("en" not in by_id[i]["languages"], len(by_id[i][field])) for i in ids]
        assert order == sorted(order), f"{key}: English first, then the most specific"
    assert found == all_matches(CATALOGUE, INSTRUMENT, limit=3)


# --- Scoring ------------------------------------------------------------------------------------


def test_levels_are_means_of_answered_statements_and_gaps_rank_by_size():
    answers = _all(3)
    need = [s["id"] for s in INSTRUMENT.statements if s["step"] == "need"]
    agreement = [s["id"] for s in INSTRUMENT.statements if s["step"] == "agreement"]
    answers[need[0]], answers[need[1]] = 0, None  # need: only the 0 counts
    for sid in agreement:
        answers[sid] = 1
    by_step = levels(answers, INSTRUMENT, "step")
    assert by_step["need"] == 0
    assert by_step["agreement"] == 1
    assert gaps(by_step, INSTRUMENT)["need"] == 3
    assert largest_gaps(by_step, INSTRUMENT) == [("need", 3.0), ("agreement", 2.0)]
    nothing = levels(dict.fromkeys(INSTRUMENT.statement_ids()), INSTRUMENT, "role")
    assert set(nothing.values()) == {None}
    assert largest_gaps(nothing, INSTRUMENT) == []


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("this is not json", "not a JSON file"),
        (json.dumps([1, 2, 3]), "not a saved self-assessment"),
        (json.dumps({"instrument": "some-survey", "answers": {}}), "another tool"),
        (json.dumps(_response(_all(2), instrument_version="2.0.0")), "version 2.0.0"),
        (json.dumps(_response({"need-01": 5})), "damaged"),
        (json.dumps(_response({"need-01": 2, "zzz-99": 1})), "does not have: zzz-99"),
        (json.dumps(_response(dict.fromkeys(INSTRUMENT.statement_ids()))), "no answers"),
        (json.dumps(_response(_all(2), round="later")), "damaged"),
    ],
)
def test_unusable_files_get_a_plain_reason(tmp_path, content, reason):
    path = _write(tmp_path, "answers.json", content)
    with pytest.raises(ResponseError, match=reason):
        read_response(path, INSTRUMENT)


def test_a_file_from_a_newer_minor_version_is_read(tmp_path):
    major = INSTRUMENT.version.split(".")[0]
    path = _write(tmp_path, "a.json", _response(_all(2), instrument_version=f"{major}.9.0"))
    response = read_response(path, INSTRUMENT)
    assert response.answered == len(INSTRUMENT.statements)
    assert response.label == "team A"


# --- The cohort report and its command line ------------------------------------------------------


def _cohort(folder: Path) -> None:
    low = _all(1)
    for i in range(3):
        _write(folder, f"before/learner-{i}.json", _response(low, "before"))
        after = _all(2)
        after["need-01"] = 3
        _write(folder, f"after/learner-{i}.json", _response(after, "after"))
    _write(folder, "broken.json", "{not json")
    _write(folder, "other-tool.json", {"instrument": "quiz", "answers": {}})
    _write(folder, "notes.txt", "not a response, not read")


def _rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_the_cohort_report_writes_the_change_per_area_and_the_remaining_gaps(tmp_path):
    folder = tmp_path / "answers"
    _cohort(folder)
    out = tmp_path / "report"
    report = cohort_report(folder, out, INSTRUMENT, CATALOGUE)
    assert report.rounds() == {"before": 3, "after": 3}
    assert sorted(p.name for p, _ in report.skipped) == ["broken.json", "other-tool.json"]
    assert {p.name for p in report.files} == {
        "capacity-areas.csv",
        "capacity-responses.csv",
        "capacity-statements.csv",
        "capacity-steps.png",
        "capacity-roles.png",
    }
    for path in report.files:
        assert path.parent == out
        assert path.stat().st_size > 0
    areas = {(r["kind"], r["area"]): r for r in _rows(out / "capacity-areas.csv")}
    assert len(areas) == len(INSTRUMENT.steps) + len(INSTRUMENT.roles)
    need = areas[("step", "need")]
    assert (need["before"], need["after"], need["change"]) == ("1.00", "2.50", "+1.50")
    assert need["remaining"] == "no"
    # Every other area moved from 1 to 2: in place, so no gap remains.
    assert all(r["remaining"] == "no" for r in areas.values())
    assert len(_rows(out / "capacity-responses.csv")) == 6
    statements = {r["statement"]: r for r in _rows(out / "capacity-statements.csv")}
    assert statements["need-01"]["change"] == "+2.00"
    text = "\n".join(summary(report))
    assert "broken.json" in text
    assert "another tool" in text


def test_gaps_that_remain_come_with_resources(tmp_path):
    answers = _all(3)
    for statement in INSTRUMENT.statements:
        if statement["step"] == "agreement":
            answers[statement["id"]] = 0
    _write(tmp_path / "a", "one.json", _response(answers, "after"))
    report = cohort_report(tmp_path / "a", tmp_path / "out", INSTRUMENT, CATALOGUE)
    remaining = {(r["kind"], r["area"]) for r in report.remaining()}
    assert ("step", "agreement") in remaining
    row = next(r for r in report.remaining() if r["area"] == "agreement")
    titles = {r["title"] for r in CATALOGUE.resources}
    assert row["resources"]
    assert all(t in titles for t in row["resources"].split("; "))


def test_the_command_line_reports_and_names_skipped_files(tmp_path):
    folder = tmp_path / "answers"
    _cohort(folder)
    result = CliRunner().invoke(
        main, ["capacity", "report", str(folder), "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 0, result.output
    assert "Read 6 self-assessment(s): 3 before, 3 after." in result.output
    assert "broken.json" in result.output
    assert (tmp_path / "out" / "capacity-areas.csv").exists()


def test_the_command_line_says_what_to_do_when_nothing_is_usable(tmp_path):
    folder = tmp_path / "empty"
    _write(folder, "broken.json", "{not json")
    result = CliRunner().invoke(main, ["capacity", "report", str(folder)])
    assert result.exit_code == 1
    assert "no usable self-assessment" in result.output
    assert "broken.json" in result.output
    missing = CliRunner().invoke(main, ["capacity", "report", str(tmp_path / "nowhere")])
    assert missing.exit_code == 1
    assert "is not a folder" in missing.output


# --- The page's HTML ----------------------------------------------------------------------------


def test_the_form_has_a_labelled_choice_for_every_level_of_every_statement():
    html = form_html(INSTRUMENT, CATALOGUE, "capacity/self-assessment")
    for statement in INSTRUMENT.statements:
        sid = statement["id"]
        assert f'data-statement="{sid}"' in html
        for option in ("0", "1", "2", "3", "skip"):
            assert f'id="{sid}-{option}"' in html
            assert f'<label for="{sid}-{option}">' in html
    controls = re.findall(r'<(?:select|input)[^>]*\bid="([^"]+)"', html)
    for control in controls:
        assert f'for="{control}"' in html, f"{control} has no label"
    assert "http" not in re.sub(r'"url": "https?://[^"]+"', "", html.split("capacity-data")[0])


def test_the_page_data_links_lessons_and_labs_relative_to_the_page():
    data = payload(INSTRUMENT, CATALOGUE, "capacity/self-assessment")
    engage = next(s for s in data["steps"] if s["id"] == "engage")
    assert {
        "title": "8. Sustainable partnerships",
        "href": "../lessons/08-sustainable-partnerships.html",
    } in engage["lessons"]
    assert engage["labs"][0]["href"] == "../labs/lab07-partnership-models.html"
    assert engage["labs"][0]["title"].startswith("Lab 7")
    assert set(data["matches"]) == {"en", "es"}
    for by_area in data["matches"].values():
        for ids in by_area.values():
            assert all(i in data["resources"] for i in ids)
    spanish_first = data["matches"]["es"]["step:impact"]
    assert "es" in data["resources"][spanish_first[0]]["languages"]
