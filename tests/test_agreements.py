"""The agreements package: schema, validator, loader, release check and CLI."""

from __future__ import annotations

import copy
import datetime as dt
import json
import re

import pytest
import yaml
from click.testing import CliRunner
from jsonschema import Draft202012Validator

from agreements import (
    RELEASE_KEYS,
    SCHEMA_PATH,
    VAGUE_PURPOSES,
    check_agreement,
    check_file,
    check_release,
    load_agreement,
    load_release,
)
from agreements.cli import main
from grader.paths import ROOT

SAMPLES = ROOT / "agreements" / "samples"
BOTSWANA = SAMPLES / "botswana-statistics-mno.yaml"
URUGUAY = SAMPLES / "uruguay-ine-operator.yaml"
RELEASES = sorted((SAMPLES / "releases").glob("release-*.yaml"))
DRAFT_FLAWS = {
    "draft-a.yaml": {
        "purpose.statement",
        "onward_sharing.allowed",
        "reidentification.linkage_allowed",
    },
    "draft-b.yaml": {
        "retention.deletion_date",
        "publication.suppression_threshold",
        "processor_terms",
    },
    "draft-c.yaml": {
        "term.end_date",
        "retention.deletion_date",
        "security.breach_notification_hours",
    },
}
HEALTH = SAMPLES / "botswana-health-restriction.yaml"


def _errors(findings) -> set[str]:
    return {f.path for f in findings if f.severity == "error"}


@pytest.fixture
def botswana() -> dict:
    agreement, findings = load_agreement(BOTSWANA)
    assert findings == []
    return agreement


def test_schema_is_valid_draft_2020_12():
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("path", [BOTSWANA, URUGUAY, HEALTH], ids=lambda p: p.stem)
def test_sample_agreements_are_complete_and_valid(path):
    assert check_file(path) == []


@pytest.mark.parametrize("path", [BOTSWANA, URUGUAY], ids=lambda p: p.stem)
def test_samples_use_fictional_operators_and_name_real_laws(path):
    text = path.read_text(encoding="utf-8")
    agreement, _ = load_agreement(path)
    provider = next(p for p in agreement["parties"] if p["role"] == "data_provider")
    assert provider["name"] == "A mobile operator (fictional)"
    laws = " ".join(law["name"] for law in agreement["legal_basis"]["laws"])
    if "botswana" in path.stem:
        assert "Act 18 of 2024" in laws
        assert "Statistics Act" in laws
        assert "disputed" in text  # the commencement date of the 2024 Act is not settled
    else:
        assert "Ley 18.331" in laws
        assert "Ley 16.616" in laws


@pytest.mark.parametrize(("name", "flaws"), DRAFT_FLAWS.items())
def test_each_draft_flaw_is_found_at_its_path(name, flaws):
    findings = check_file(SAMPLES / "drafts" / name)
    assert _errors(findings) == flaws
    assert all(f.problem and not f.problem.startswith("Traceback") for f in findings)


def _without(agreement: dict, section: str, key: str) -> dict:
    changed = copy.deepcopy(agreement)
    del changed[section][key]
    return changed


def _with(agreement: dict, section: str, key: str, value) -> dict:
    changed = copy.deepcopy(agreement)
    changed[section][key] = value
    return changed


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (
            lambda a: _with(a, "purpose", "statement", "Research purposes of the ministry, " * 2),
            "purpose.statement",
        ),
        (lambda a: _with(a, "purpose", "statement", "Statistics."), "purpose.statement"),
        (lambda a: _without(a, "retention", "deletion_date"), "retention.deletion_date"),
        (lambda a: _with(a, "retention", "deletion_date", "2026-03-31"), "retention.deletion_date"),
        (lambda a: _with(a, "retention", "deletion_date", "2026-02-30"), "retention.deletion_date"),
        (lambda a: _with(a, "onward_sharing", "allowed", True), "onward_sharing.allowed"),
        (
            lambda a: _without(a, "publication", "suppression_threshold"),
            "publication.suppression_threshold",
        ),
        (lambda a: _with(a, "term", "end_date", "2026-03-30"), "term.end_date"),
        (lambda a: _with(a, "term", "start_date", "2025-02-02"), "term.start_date"),
        (lambda a: _with(a, "analysis_period", "end", "2025-01-01"), "analysis_period.end"),
        (lambda a: _with(a, "access", "model", "whatever works"), "access.model"),
        (lambda a: {k: v for k, v in a.items() if k != "costs"}, "costs"),
    ],
)
def test_each_flaw_is_found_on_its_own(botswana, mutate, path):
    assert _errors(check_agreement(mutate(botswana))) == {path}


def test_no_cell_size_is_needed_when_nothing_is_published(botswana):
    changed = _without(
        _with(botswana, "publication", "publishes_aggregates", False),
        "publication",
        "suppression_threshold",
    )
    assert _errors(check_agreement(changed)) == set()


def test_vague_purposes_are_caught_and_samples_avoid_them(botswana):
    for phrase in VAGUE_PURPOSES:
        statement = f"Population estimates by district, and {phrase.upper()} of the ministry."
        assert "purpose.statement" in _errors(
            check_agreement(_with(botswana, "purpose", "statement", statement))
        )


def test_a_party_must_provide_and_another_receive(botswana):
    changed = copy.deepcopy(botswana)
    changed["parties"] = [p for p in changed["parties"] if p["role"] != "data_provider"]
    findings = check_agreement(changed)
    assert _errors(findings) == {"parties"}
    assert "data provider" in findings[0].problem


@pytest.mark.parametrize(
    "section",
    [
        "reidentification",
        "international_transfers",
        "data_subject_rights",
        "liability",
        "corrections",
        "governance",
    ],
)
def test_the_new_clauses_are_required(botswana, section):
    changed = {k: v for k, v in botswana.items() if k != section}
    assert _errors(check_agreement(changed)) == {section}


@pytest.mark.parametrize(
    ("section", "key"),
    [
        ("legal_basis", "dpia"),
        ("security", "breach_notice"),
        ("data", "special_categories"),
        ("governance", "survival"),
        ("governance", "suspension"),
    ],
)
def test_the_new_entries_are_required(botswana, section, key):
    assert _errors(check_agreement(_without(botswana, section, key))) == {f"{section}.{key}"}


@pytest.mark.parametrize("key", ["attempts_allowed", "linkage_allowed"])
def test_re_identification_and_linkage_stay_banned(botswana, key):
    changed = copy.deepcopy(botswana)
    changed["reidentification"][key] = True
    assert _errors(check_agreement(changed)) == {f"reidentification.{key}"}


def _with_processor(agreement: dict) -> dict:
    changed = copy.deepcopy(agreement)
    changed["parties"].append(
        {"name": "A cloud host", "role": "processor", "responsibilities": ["Stores the data."]}
    )
    return changed


def test_a_processor_needs_processor_terms(botswana):
    findings = check_agreement(_with_processor(botswana))
    assert _errors(findings) == {"processor_terms"}
    assert "required when a party is a processor" in findings[0].problem
    terms = {
        key: "Stated."
        for key in [
            "processor",
            "documented_instructions",
            "sub_processors",
            "confidentiality",
            "assistance",
            "return_or_deletion",
            "audits",
        ]
    }
    assert (
        _errors(check_agreement({**_with_processor(botswana), "processor_terms": terms})) == set()
    )
    del terms["sub_processors"]
    changed = {**_with_processor(botswana), "processor_terms": terms}
    assert _errors(check_agreement(changed)) == {"processor_terms.sub_processors"}


def test_a_transfer_abroad_names_recipient_country_and_safeguard(botswana):
    changed = _with(botswana, "international_transfers", "allowed", True)
    assert _errors(check_agreement(changed)) == {"international_transfers.transfers"}
    transfer = {
        "recipient": "A cloud host",
        "country": "Spain",
        "purpose": "Backups",
        "safeguard": "adequacy",
        "legal_basis": "An order designating the country.",
    }
    changed["international_transfers"]["transfers"] = [transfer]
    assert _errors(check_agreement(changed)) == set()
    changed["international_transfers"]["transfers"] = [{**transfer, "safeguard": "trust us"}]
    assert _errors(check_agreement(changed)) == {"international_transfers.transfers.0.safeguard"}


def test_special_categories_need_their_safeguards(botswana):
    changed = copy.deepcopy(botswana)
    changed["data"]["special_categories"] = {"included": True}
    assert _errors(check_agreement(changed)) == {
        "data.special_categories.categories",
        "data.special_categories.safeguards",
    }


@pytest.mark.parametrize(
    ("to_parties", "to_regulator", "flawed"),
    [(72, 48, True), (49, 48, True), (48, 48, False), (24, 72, False)],
)
def test_the_parties_hear_of_a_breach_no_later_than_the_regulator(
    botswana, to_parties, to_regulator, flawed
):
    changed = copy.deepcopy(botswana)
    changed["security"]["breach_notification_hours"] = to_parties
    changed["security"]["breach_notice"]["regulator_hours"] = to_regulator
    expected = {"security.breach_notification_hours"} if flawed else set()
    assert _errors(check_agreement(changed)) == expected


def test_samples_state_the_flowminder_rule_in_its_own_terms():
    for path in [BOTSWANA, URUGUAY, HEALTH]:
        text = path.read_text(encoding="utf-8")
        assert "suppression_threshold: 15" in text
        assert '"should be greater than 15"' in text
    schema = SCHEMA_PATH.read_text(encoding="utf-8")
    assert "greater than" in schema
    assert "min_cell_size" not in schema


def test_the_emergency_sample_names_the_law_in_force_in_september_2024():
    agreement, _ = load_agreement(HEALTH)
    assert str(agreement["data"]["period"]["start"]) < "2024-10-29"  # before the 2024 Act
    laws = [law["name"] for law in agreement["legal_basis"]["laws"]]
    assert laws[0] == "Data Protection Act, 2018 (Act 32 of 2018)"
    assert "disagree" in HEALTH.read_text(encoding="utf-8")


def test_plain_yaml_dates_are_accepted():
    # yaml.safe_load turns dates into date objects; the checker takes them as they come.
    agreement = yaml.safe_load(BOTSWANA.read_text(encoding="utf-8"))
    assert isinstance(agreement["term"]["end_date"], dt.date)
    assert check_agreement(agreement) == []


def test_malformed_yaml_gives_a_finding_with_the_line_number(tmp_path):
    text = BOTSWANA.read_text(encoding="utf-8").splitlines()
    line = next(i for i, ln in enumerate(text) if ln.startswith("retention:")) + 2
    text[line - 1] = "  deletion_date: [2026-06-30"  # an unclosed list
    bad = tmp_path / "bad.yaml"
    bad.write_text("\n".join(text) + "\n", encoding="utf-8")
    findings = check_file(bad)
    assert len(findings) == 1
    assert findings[0].path == "(document)"
    number = int(re.search(r"line (\d+)", findings[0].problem).group(1))
    assert line <= number <= line + 1  # the parser notices at the unclosed list or just after


def test_a_duplicated_key_is_an_error_with_its_line(tmp_path):
    bad = tmp_path / "dup.yaml"
    bad.write_text("agreement_id: X\ntitle: T\nagreement_id: Y\n", encoding="utf-8")
    (finding,) = check_file(bad)
    assert "line 3" in finding.problem
    assert "appears twice" in finding.problem


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "empty"),
        (b"- just\n- a list\n", "named sections"),
        (b"\xff\xfe not utf-8", "UTF-8"),
        (b"title: [unclosed\n", "line 2"),
    ],
)
def test_bad_files_give_one_plain_finding(tmp_path, content, expected):
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(content)
    (finding,) = check_file(bad)
    assert expected in finding.problem


def test_a_missing_file_is_a_finding(tmp_path):
    (finding,) = check_file(tmp_path / "nowhere.yaml")
    assert "does not exist" in finding.problem


@pytest.mark.parametrize(
    "document",
    [
        None,
        [],
        "text",
        42,
        {"parties": "x", "term": 5},
        {"purpose": {"statement": 7}, "term": {"end_date": []}},
    ],
)
def test_the_checker_never_raises(document):
    findings = check_agreement(document)
    assert findings
    assert all(f.severity == "error" for f in findings)


# --- releases ------------------------------------------------------------------------------


def _base_release(agreement: dict) -> dict:
    rules = agreement["publication"]
    return {
        "fields": rules["allowed_fields"][:2],
        "aggregation_level": rules["aggregation_levels"][0],
        "min_count": rules["suppression_threshold"] + 1,  # just above the threshold: allowed
        "publication_date": agreement["term"]["end_date"],  # the last day of the term: allowed
    }


def _release_errors(release, agreement) -> set[str]:
    return _errors(check_release(release, agreement))


def test_a_release_on_every_boundary_is_compliant(botswana):
    assert check_release(_base_release(botswana), botswana) == []


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"min_count": 15}, "min_count"),  # equal to the threshold: suppressed
        ({"min_count": 3}, "min_count"),
        ({"fields": ["district", "age"]}, "fields"),
        ({"aggregation_level": "tower"}, "aggregation_level"),
        ({"publication_date": "2026-10-01"}, "publication_date"),
        ({"publication_date": "2025-01-14"}, "publication_date"),
        ({"publication_date": "not a date"}, "publication_date"),
        ({"min_count": None}, "min_count"),
    ],
)
def test_each_broken_rule_is_named(botswana, change, key):
    assert _release_errors({**_base_release(botswana), **change}, botswana) == {key}


def test_a_release_needs_an_agreement_with_a_cell_size(botswana):
    agreement = _without(botswana, "publication", "suppression_threshold")
    assert _release_errors(_base_release(botswana), agreement) == {"min_count"}


def test_check_release_never_raises():
    assert check_release("not a release", {})[0].path == "(release)"
    assert check_release({}, [])[0].path == "(agreement)"
    assert _release_errors({}, {}) >= set(RELEASE_KEYS)


def test_candidate_releases_exercise_every_rule(botswana):
    faults = {}
    for path in RELEASES:
        release, findings = load_release(path)
        assert findings == []
        assert release["fields"][-1] == "subscribers"
        faults[path.stem] = _release_errors(release, botswana)
    assert 5 <= len(faults) <= 6
    assert any(not f for f in faults.values()), "some candidates must be compliant"
    assert sum(bool(f) for f in faults.values()) >= 3, "most candidates must break a rule"
    assert set().union(*faults.values()) == set(RELEASE_KEYS)


def test_a_release_with_a_bad_table_is_a_finding(tmp_path):
    spec = tmp_path / "r.yaml"
    spec.write_text(
        "table: r.csv\ncount_field: n\naggregation_level: district\npublication_date: '2025-10-01'\n",
        encoding="utf-8",
    )
    assert load_release(spec)[1][0].path == "table"
    (tmp_path / "r.csv").write_text("district,n\nA,many\n", encoding="utf-8")
    assert load_release(spec)[1][0].path == "count_field"
    (tmp_path / "r.csv").write_text("district,n\nA,20\nB,16\n", encoding="utf-8")
    release, findings = load_release(spec)
    assert findings == []
    assert (release["fields"], release["min_count"]) == (["district", "n"], 16)


def test_candidate_tables_respect_their_own_suppression():
    import pandas as pd

    from agreements.candidates import candidate_releases

    subscribers = pd.DataFrame(
        {
            "home_district": ["A"] * 30 + ["B"] * 3,
            "age": [20] * 16 + [70] * 17,
            "sex": ["F", "M"] * 16 + ["F"],
            "home_tower_id": ["T1"] * 33,
        }
    )
    releases = candidate_releases(subscribers, threshold=15)
    assert releases["release-1"]["table"]["subscribers"].min() == 3
    assert releases["release-2"]["table"]["district"].tolist() == ["A"]
    assert set(releases["release-4"]["table"]["age_band"]) <= {"15-24", "65+"}


# --- command line --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [["--help"], ["check", "--help"], ["check-release", "--help"], ["make-releases", "--help"]],
)
def test_cli_help(args):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0
    assert "Usage" in result.output


def test_cli_check_exit_codes(tmp_path):
    runner = CliRunner()
    ok = runner.invoke(main, ["check", str(BOTSWANA), str(URUGUAY)])
    assert (ok.exit_code, ok.output.count(": OK")) == (0, 2)
    missing = tmp_path / "missing.yaml"
    bad = runner.invoke(
        main, ["check", str(missing), str(SAMPLES / "drafts" / "draft-c.yaml"), str(BOTSWANA)]
    )
    assert bad.exit_code == 1
    assert "does not exist" in bad.output
    assert "term.end_date" in bad.output  # one bad file does not stop the others
    assert f"{BOTSWANA}: OK" in bad.output
    assert "Traceback" not in bad.output


def test_cli_warnings_alone_exit_zero(tmp_path, botswana):
    warned = copy.deepcopy(botswana)
    warned["retention"]["deletion_date"] = "2026-10-15"  # after the term ends: a warning only
    path = tmp_path / "warned.yaml"
    path.write_text(yaml.safe_dump(warned), encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 0
    assert "warning: retention.deletion_date" in result.output


def test_cli_check_release_exit_codes():
    runner = CliRunner()
    args = ["check-release", "--agreement", str(BOTSWANA)]
    verdicts = {p.stem: runner.invoke(main, [*args, str(p)]).exit_code for p in RELEASES}
    assert set(verdicts.values()) == {0, 1}
    assert runner.invoke(main, [*args[:2], "nowhere.yaml", str(RELEASES[0])]).exit_code == 1


# --- the lab that teaches it ---------------------------------------------------------------

LAB = ROOT / "labs" / "lab04-agreements-as-code" / "lab04-agreements-as-code.md"


def test_lab_uses_the_same_vague_purposes():
    text = LAB.read_text(encoding="utf-8")
    block = re.search(r"VAGUE_PURPOSES = \((.*?)\)", text, re.DOTALL).group(1)
    assert tuple(re.findall(r'"([^"]+)"', block)) == VAGUE_PURPOSES


def test_lab_ships_the_schema_every_sample_draft_and_release():
    from grader.build.labsource import read_lab

    shipped = set(read_lab(LAB).files)
    expected = {
        str(p.relative_to(ROOT))
        for p in [SCHEMA_PATH, BOTSWANA, URUGUAY, *(SAMPLES / "drafts").glob("*.yaml")]
    } | {str(p.relative_to(ROOT)) for p in (SAMPLES / "releases").iterdir()}
    assert shipped == expected
    names = [p.rsplit("/", 1)[-1] for p in shipped]
    assert len(names) == len(set(names)), "files are copied flat into data/: names must differ"
