"""A hostile learner against ``grader autograde``: submissions that try to earn marks they did
not earn, read or leak hidden tests and reference answers, reach the trainer, or break the
grading of others.

Each test was written, against an earlier grader, as a hole that let such a submission through;
all are closed now, and the tests keep them closed. The flag on a changed exception machinery is
a flag, not a verdict (the grade never depends on the learner's kernel), and the learner's own
code can hide it: the trainer guide says so. One cohort is shared by the module, and each lab's attack notebooks are graded
in one ``autograde`` call (lab 1: values; lab 4: functions; lab 6: one reference-answer leak).
"""

from __future__ import annotations

import copy
import json
import os
from html.parser import HTMLParser

import nbformat
import pytest
from conftest import gradebook_scores

from grader import cohort as cohort_mod
from grader.build import fixtures
from grader.cohort.autograde import autograde
from grader.cohort.feedback import feedback
from grader.cohort.report import report
from grader.cohort.roster import import_roster
from grader.sandbox import Limits

pytestmark = pytest.mark.slow
LAB01 = "lab01-meet-the-data"
LAB04 = "lab04-agreements-as-code"
LAB06 = "lab06-capstone"
AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


@pytest.fixture(scope="module")
def cohort(built, tmp_path_factory) -> cohort_mod.Cohort:
    root = tmp_path_factory.mktemp("cohort-redteam") / "course"
    return cohort_mod.init(root, built.paths.root, echo=lambda _: None)


def _gid(cell) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def _with(base, answers: dict[str, str] | None = None, tail: str | None = None):
    """``base`` with some answer cells replaced and, optionally, a code cell added at the end."""
    notebook = copy.deepcopy(base)
    for cell in notebook.cells:
        if _gid(cell) in (answers or {}):
            cell.source = answers[_gid(cell)]
    if tail is not None:
        notebook.cells.append(nbformat.v4.new_code_cell(tail))
    return notebook


def _demo(cohort, lab_id: str) -> dict:
    return fixtures.demo_students(cohort.release_notebook(lab_id), cohort.source_notebook(lab_id))


def _grade(cohort, lab_id: str, students: dict, limits: Limits | None = None) -> dict:
    for student, notebook in students.items():
        folder = cohort.submitted_dir(student, lab_id)
        folder.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, folder / f"{lab_id}.ipynb")
    outcome = autograde(
        cohort,
        lab_id,
        students=list(students),
        force=True,
        limits=limits,
        echo=lambda _: None,
        progress=False,
    )
    return {
        "statuses": outcome.statuses,
        "scores": gradebook_scores(cohort.db_url, lab_id, students),
    }


def _graded(cohort, student: str, lab_id: str):
    return nbformat.read(cohort.autograded_dir(student, lab_id) / f"{lab_id}.ipynb", 4)


def _feedback_html(cohort, student: str, lab_id: str) -> str:
    # Written answers are not graded here: the page is asked for anyway (it says so).
    (path,) = feedback(cohort, lab_id, [student], allow_ungraded=True)
    return path.read_text(encoding="utf-8")


def _formgrader_html(cohort, student: str, lab_id: str) -> str:
    """The page nbgrader's formgrader shows the trainer for this submission (rendered as its
    ``SubmissionHandler`` does, with the course's own nbgrader configuration)."""
    import nbgrader.server_extensions.formgrader.handlers as formgrader
    from nbconvert.exporters import HTMLExporter
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(cohort.root)).load_config()
    config.HTMLExporter.template_name = "formgrade"
    config.HTMLExporter.extra_template_basedirs = [formgrader.template_path]
    resources = {
        "assignment_id": lab_id,
        "notebook_id": lab_id,
        "submission_id": "x",
        "index": 0,
        "total": 1,
        "base_url": "/",
        "student": student,
        "last_name": "",
        "first_name": "",
        "notebook_path": "/x",
    }
    path = cohort.autograded_dir(student, lab_id) / f"{lab_id}.ipynb"
    html, _ = HTMLExporter(config=config).from_filename(str(path), resources=resources)
    return html


def _outputs_text(cell) -> str:
    return "".join(
        o.get("text", "") + json.dumps(o.get("data", {})) for o in cell.get("outputs", [])
    )


# --- Lab 1 (answers are values) -----------------------------------------------------------------

# Empties the lab's own data table before answering: the hidden tests compute their expected
# values from the learner's ``cdr`` (exported as an answer), so wrong code on an empty table
# matches them.
SHRINK_DAYS = """
cdr = cdr.iloc[:0].copy()
cdr["day"] = cdr["timestamp"]  # wrong: the whole timestamp, not its date part
events_per_day = cdr.groupby("day").size()
"""
SHRINK_ACTIVE = """
active_by_district_day = cdr.groupby(["tower_id", "day"])["caller"].nunique()  # wrong: towers
"""

# Writes a forged ``done`` message into the runner's pipe to the grader (reachable through
# /proc/<runner>/fd), then runs past the cell timeout: the grader believes the forgery.
FORGE_DONE = r"""
import io, json, os, tarfile, time

def _pack(files):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()

try:
    _files = {
        "executed.ipynb": open("/sandbox/job/submission.ipynb", "rb").read(),
        "result.json": json.dumps({"status": "ok", "cell": None, "reason": "", "truncated": [],
                                   "disk_full": [], "verdicts": {}}).encode(),
    }
    for _root, _dirs, _names in os.walk("/sandbox/out"):
        for _name in _names:
            _path = os.path.join(_root, _name)
            _files["out/" + os.path.relpath(_path, "/sandbox/out")] = open(_path, "rb").read()
    _runner = os.getppid()
    _links = {fd: os.readlink(f"/proc/{_runner}/fd/{fd}") for fd in os.listdir(f"/proc/{_runner}/fd")}
    _channel = next(fd for fd, link in _links.items()
                    if link.startswith("pipe:") and link not in (_links["0"], _links["2"]))
    _payload = _pack(_files)
    with open(f"/proc/{_runner}/fd/{_channel}", "wb") as _pipe:
        _pipe.write(f"done {len(_payload)}\n".encode() + _payload)
except Exception as _error:
    print("could not forge:", _error)
time.sleep(10**6)
"""

XSS_ANSWER = """
from IPython.display import HTML, display
display(HTML('<script>window.REDTEAM_XSS = 1</script><img src=x onerror="window.REDTEAM_XSS = 2">'))
n_subscribers = len(subscribers)
"""
XSS_WRITTEN = (
    'Short answer.\n\n<img src=x onerror="window.REDTEAM_XSS = 3">\n\n'
    # Backticks that a pattern takes for code, and the markdown parser does not.
    'Answer ```\n</code></pre><img src=x onerror="window.REDTEAM_XSS = 5">\n```\n\n'
    "[click](javascript:window.REDTEAM_XSS=6) ![x](javascript:window.REDTEAM_XSS=7)\n"
)

# What the learner's own code can see and touch in its sandbox.
PROBE = r"""
import glob, json, os, sys
_needles = ["BEGIN " + "HIDDEN", '"district", ' + '"_day", "caller"']
_found = []
# The Python installation is public (nbgrader's own package mentions hidden tests): on CI it
# lives under /tmp.
_paths = glob.glob("/sandbox/**", recursive=True) + [
    p for p in glob.glob("/tmp/**", recursive=True) if not p.startswith(sys.prefix)
]
_paths += glob.glob("/proc/[0-9]*/cmdline") + glob.glob("/proc/[0-9]*/environ")
for _path in _paths:
    try:
        with open(_path, "rb") as _handle:
            _text = _handle.read(50_000_000).decode("utf-8", "ignore")
    except OSError:
        continue
    if any(n in _text for n in _needles) and not _path.startswith("/sandbox/job/"):
        _found.append(_path)
_runners = []
for _path in glob.glob("/proc/[0-9]*/cmdline"):
    try:
        _command = open(_path, "rb").read().replace(b"\0", b" ").decode("utf-8", "ignore")
    except OSError:
        continue
    if "sandbox_runner" in _command and not _command.startswith("bwrap "):
        _runners.append(_command[:300])
_probe = {
    "hidden_found": _found,
    "runners": _runners,
    "core_pattern_writable": os.access("/proc/sys/kernel/core_pattern", os.W_OK),
    "drop_caches_writable": os.access("/proc/sys/vm/drop_caches", os.W_OK),
}
print("PROBE " + json.dumps(_probe))
n_subscribers = len(subscribers)
"""

# Memory is limited per process, not per sandbox: three processes together hold more than the
# limit (a few more would exhaust the machine, whose out-of-memory killer then picks a victim).
MEMORY_HOG = r"""
import json, subprocess, sys
_code = ("import time; b = b'\\x01' * (1400 * 1024 * 1024); print('ok', flush=True); "
         "time.sleep(3); print('held', flush=True); time.sleep(1)")
_children = [subprocess.Popen([sys.executable, "-c", _code], stdout=subprocess.PIPE) for _ in range(3)]
# Held means still alive three seconds (fifteen looks of the memory watch) after allocating:
# a child the watch kills never says 'held'.
_held = [c.stdout.read().split() == [b"ok", b"held"] for c in _children]
for _child in _children:
    _child.wait()
print("MEMORY " + json.dumps({"held_mb": 1400 * sum(_held)}))
n_subscribers = len(subscribers)
"""

# A reason shown to the trainer (terminal, status.json, report) made of control characters.
BAD_REASON = r"""
import json
with open("out/q1_count_tests/manifest.json", "w") as _handle:
    json.dump({"n_subscribers": {"t": "unusable",
                                 "why": "\x1b[2K\x1b[1A\r  graded    mallory  17/17 \ud800"}}, _handle)
"""


def _metadata_forgery(blank):
    """Test cells emptied and worth 100 points, a cell claiming to be a test, a markdown cell
    claiming an answer's id, a look-alike id, pre-filled passing outputs, another kernel."""
    notebook = copy.deepcopy(blank)
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):
            meta.update(points=100, checksum="0" * 32)
            meta.pop("locked", None)
            cell.source = "pass"
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="✓ passed\n")]
    fake = {"grade": True, "solution": False, "grade_id": "q1_count_tests", "points": 100}
    notebook.cells.append(
        nbformat.v4.new_code_cell("n_subscribers = 1", metadata={"nbgrader": fake})
    )
    claim = {"grade": True, "solution": True, "grade_id": "q1_count", "points": 50}
    notebook.cells.append(nbformat.v4.new_markdown_cell("points!", metadata={"nbgrader": claim}))
    twin = dict(fake, grade_id="q1_count_tests\u200b")
    notebook.cells.append(nbformat.v4.new_code_cell("print('ok')", metadata={"nbgrader": twin}))
    notebook.metadata["kernelspec"] = {"name": "bash", "display_name": "Bash", "language": "bash"}
    return notebook


@pytest.fixture(scope="module")
def lab01(cohort):
    demo = _demo(cohort, LAB01)
    blank, perfect = demo["blank"], demo["perfect"]
    xss = _with(blank, {"q1_count": XSS_ANSWER, "w1_minimisation": XSS_WRITTEN})
    duplicated = copy.deepcopy(perfect)
    index = next(i for i, c in enumerate(duplicated.cells) if _gid(c) == "q1_count")
    duplicated.cells[index].source = 'n_subscribers = len(subscribers)\nprint("x" * 400_000)'
    for _ in range(4):
        twin = copy.deepcopy(duplicated.cells[index])
        twin.id = f"twin{_}"
        duplicated.cells.insert(index + 1, twin)
    students = {
        "blank": blank,
        "perfect": perfect,
        "shrinker": _with(perfect, {"q4_days": SHRINK_DAYS, "q5_active": SHRINK_ACTIVE}),
        "forger": _with(perfect, tail=FORGE_DONE),
        "xss": xss,
        "probe": _with(blank, {"q1_count": PROBE}),
        "memoryhog": _with(blank, {"q1_count": MEMORY_HOG}),
        "badreason": _with(perfect, tail=BAD_REASON),
        "duplicated": duplicated,
        "forgedmeta": _metadata_forgery(blank),
    }
    return _grade(cohort, LAB01, students)


def test_emptying_the_lab_data_earns_nothing(lab01):
    cells = lab01["scores"]["shrinker"]["cells"]
    for test_id in ("q4_day_column_tests", "q4_events_per_day_tests", "q5_active_values_tests"):
        assert cells[test_id] == 0, (test_id, cells)


def test_a_forged_done_message_does_not_hide_a_timeout(lab01):
    record = lab01["statuses"]["forger"]
    assert record["status"] == "timeout", record


class _LiveMarkup(HTMLParser):
    """What of a page a browser would run: script elements' text and every attribute."""

    def __init__(self):
        super().__init__()
        self.live: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self._in_script = tag == "script"
        self.live += [f"{tag} {name}={value}" for name, value in attrs if value]

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.live.append(data)


def _runs(html: str, mark: str) -> list[str]:
    """Where ``mark`` is in the page as something a browser runs, not as text it shows (the
    learner's own code is shown, as nbgrader's pages show it)."""
    parser = _LiveMarkup()
    parser.feed(html)
    return [found for found in parser.live if mark in found]


def test_learner_html_never_runs_in_the_trainers_pages(cohort, lab01):
    assert lab01["statuses"]["xss"]["status"] in ("graded", "flagged")
    for html in (_formgrader_html(cohort, "xss", LAB01), _feedback_html(cohort, "xss", LAB01)):
        assert "REDTEAM_XSS" in html  # the learner's code and answer, shown as text
        assert not _runs(html, "REDTEAM_XSS")
        assert "<script>window.REDTEAM_XSS" not in html


def _probe(cohort) -> dict:
    cell = next(c for c in _graded(cohort, "probe", LAB01).cells if _gid(c) == "q1_count")
    line = next(ln for ln in _outputs_text(cell).splitlines() if ln.startswith("PROBE "))
    return json.loads(line[len("PROBE ") :])


def test_the_sandbox_shows_no_hidden_test_and_no_other_sandbox(cohort, lab01):
    probe = _probe(cohort)
    assert probe["hidden_found"] == []
    assert len(probe["runners"]) == 1, probe["runners"]  # its own, no other sandbox's
    assert "--once" in probe["runners"][0]


def test_the_sandbox_cannot_change_the_machines_kernel_settings(cohort, lab01):
    probe = _probe(cohort)
    assert not probe["core_pattern_writable"]
    assert not probe["drop_caches_writable"]


def test_a_sandbox_cannot_hold_more_memory_than_its_limit(cohort, lab01):
    if lab01["statuses"]["memoryhog"]["status"] == "crashed":
        return  # stopped at the limit
    cell = next(c for c in _graded(cohort, "memoryhog", LAB01).cells if _gid(c) == "q1_count")
    line = next(ln for ln in _outputs_text(cell).splitlines() if ln.startswith("MEMORY "))
    assert json.loads(line[len("MEMORY ") :])["held_mb"] <= Limits().memory_mb


def test_reasons_are_plain_text_and_the_report_survives_them(cohort, lab01, tmp_path):
    reasons = lab01["statuses"]["badreason"]["reasons"]
    for reason in reasons:
        reason.encode("utf-8")
        assert reason.isprintable(), repr(reason)
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name,email\nbadreason,Bad Reason,b@example.org\n", encoding="utf-8")
    import_roster(cohort, roster)
    report(cohort, LAB01, out=tmp_path / "reports")


def test_the_graded_notebook_keeps_the_per_cell_output_limit(cohort, lab01):
    cell = next(c for c in _graded(cohort, "duplicated", LAB01).cells if _gid(c) == "q1_count")
    assert len(_outputs_text(cell)) <= Limits().max_output


def test_forged_nbgrader_metadata_earns_nothing(lab01):
    forged, perfect = lab01["statuses"]["forgedmeta"], lab01["statuses"]["perfect"]
    assert forged["status"] == "flagged", forged
    assert forged["score"] == 0
    assert forged["max_score"] == perfect["max_score"]
    assert set(lab01["scores"]["forgedmeta"]["cells"]) <= set(lab01["scores"]["blank"]["cells"])


# --- Lab 4 (answers are functions) --------------------------------------------------------------

# Each function overwrites its argument with a document it knows the answer for: the grader
# copies the change back into the test's own dictionary, and the hidden test computes its
# expected value from that dictionary after the call. Later tests (the drafts, the releases)
# then read the overwritten dictionaries too.
MUTATE_SCHEMA = """
import copy as _copy
_VALID = _copy.deepcopy(botswana)

def schema_problems(agreement):
    if not agreement:
        return {"title"}
    if agreement != _VALID:
        agreement.clear()
        agreement.update(_copy.deepcopy(_VALID))
    return set()
"""
MUTATE_CONTRADICTIONS = """
import copy as _copy
_VALID = _copy.deepcopy(botswana)

def contradictions(agreement):
    if agreement != _VALID:
        agreement.clear()
        agreement.update(_copy.deepcopy(_VALID))
    return set()
"""
MUTATE_RELEASE = """
def check_release(release, agreement):
    rules, term = agreement["publication"], agreement["term"]
    release.clear()
    release.update({"fields": [], "aggregation_level": rules["aggregation_levels"][0],
                    "min_count": 10**6, "publication_date": term["start_date"]})
    return []
"""
MUTATOR = {
    "q2_schema": MUTATE_SCHEMA,
    "q3_contradictions": MUTATE_CONTRADICTIONS,
    "q4_drafts": "draft_problems = {name: set() for name in drafts}",
    "q5_check_release": MUTATE_RELEASE,
    "q6_publishable": "publishable = sorted(releases)",
}

# Raises with the hidden test's own input in the message: the feedback page shows it.
LEAK_CASES = """
import json as _json
_public = [_json.dumps(d, sort_keys=True) for d in [botswana, uruguay, *drafts.values()]]

def contradictions(agreement):
    if _json.dumps(agreement, sort_keys=True) in _public:
        return set()
    changed = {f"{s}.{k}": v for s, sec in agreement.items() if isinstance(sec, dict)
               for k, v in sec.items() if botswana.get(s, {}).get(k) != v}
    raise ValueError("LEAKED-HIDDEN-INPUT " + _json.dumps(changed))
"""
HIDDEN_INPUT = "ANY OTHER PURPOSE"  # in one of the hidden edge cases of contradictions
_RAISE = 'raise ValueError("LEAKED-HIDDEN-INPUT " + _json.dumps(changed))'
# The same input carried by every other part of an error a learner's function controls: the
# message of an exception named as the grader's own, the name of a class of their own, and an
# error.json they write into the reply themselves (found in the caller's frame) before returning.
LEAK_VARIANTS = {
    "leaker": LEAK_CASES,
    "leaktimeout": LEAK_CASES.replace("ValueError(", "TimeoutError("),
    "leakname": LEAK_CASES.replace(
        _RAISE, 'raise type("LEAKED-HIDDEN-INPUT " + _json.dumps(changed), (Exception,), {})()'
    ),
    "leakforged": LEAK_CASES.replace(
        _RAISE,
        "import sys as _sys\n"
        "    _reply = _sys._getframe(1).f_locals['reply']\n"
        "    with open(_reply + '/error.json', 'w') as _handle:\n"
        "        _json.dump({'type': 'GraderError',\n"
        "                    'message': 'LEAKED-HIDDEN-INPUT ' + _json.dumps(changed)}, _handle)\n"
        "    return set()",
    ),
}

DEEP_MANIFEST = """
import os
for _tag in os.listdir("out"):
    with open(os.path.join("out", _tag, "manifest.json"), "w") as _handle:
        _handle.write('{"x": ' + "[" * 100_000 + "]" * 100_000 + "}")
"""
DEEP_WATCH = """
import kernel_watch as _watch
_watch.changed = lambda: print("GRADER-MACHINERY:" + "[" * 100_000 + "]" * 100_000)
"""
SWALLOW = "get_ipython().set_custom_exc((ZeroDivisionError,), lambda *a, **k: None)\n"


@pytest.fixture(scope="module")
def lab04(cohort):
    demo = _demo(cohort, LAB04)
    blank, perfect = demo["blank"], demo["perfect"]
    students = {
        "mutator": _with(blank, MUTATOR),
        **{name: _with(blank, {"q3_contradictions": code}) for name, code in LEAK_VARIANTS.items()},
        "deepmanifest": _with(blank, tail=DEEP_MANIFEST),
        "deepwatch": _with(blank, tail=DEEP_WATCH),
        "flagshown": _with(perfect, tail=SWALLOW),
    }
    return _grade(cohort, LAB04, students)


def test_functions_that_overwrite_their_arguments_earn_nothing(lab04):
    scores = lab04["scores"]["mutator"]
    assert scores["auto"] == 0, (lab04["statuses"]["mutator"], scores["cells"])


@pytest.mark.parametrize("student", list(LEAK_VARIANTS))
def test_hidden_test_inputs_never_reach_the_feedback(cohort, lab04, student):
    assert student == "leaker" or LEAK_VARIANTS[student] != LEAK_CASES  # the variant was made
    release = cohort.release_notebook(LAB04).read_text(encoding="utf-8")
    assert HIDDEN_INPUT not in release  # it is hidden
    assert lab04["statuses"][student]["status"] != "error", lab04["statuses"][student]
    # The graded notebook is the trainer's (their formgrader shows the hidden tests, as
    # nbgrader's does): what came out of the learner's run is what must not hold the input.
    outputs = [c.get("outputs", []) for c in _graded(cohort, student, LAB04).cells]
    graded = json.dumps(outputs, ensure_ascii=False)
    page = _feedback_html(cohort, student, LAB04)
    for text in (graded, page):
        assert HIDDEN_INPUT not in text
        # The learner's code (shown on the page) holds the marker; their error message would
        # follow it with the hidden input, as JSON.
        assert "LEAKED-HIDDEN-INPUT {" not in text


@pytest.mark.parametrize("student", ["deepmanifest", "deepwatch"])
def test_deep_json_from_the_learner_does_not_crash_the_grader(lab04, student):
    record = lab04["statuses"][student]
    assert record["status"] != "error", record


def test_a_changed_exception_handler_is_flagged(lab04):
    record = lab04["statuses"]["flagshown"]
    assert record["status"] == "flagged", record
    assert any("changed how their kernel shows errors" in r for r in record["reasons"])


# --- Lab 6: a hidden test hands a reference answer to the learner's function ---------------------

LEAK_REFERENCE = """
def request_problems(fields, level, agreement):
    if set(fields) != spec_fields:
        raise ValueError(f"LEAKED-REFERENCE {sorted(fields)} {level}")
    return []
"""


@pytest.fixture(scope="module")
def lab06(cohort):
    blank = _demo(cohort, LAB06)["blank"]
    answers = {
        "q1_spec": 'spec_fields = {"date"}\nspec_level = "tower"',
        "q2_request": LEAK_REFERENCE,
    }
    return _grade(cohort, LAB06, {"refleaker": _with(blank, answers)})


def test_reference_answers_never_reach_the_learner(cohort, lab06):
    assert lab06["statuses"]["refleaker"]["status"] != "error"
    graded = json.dumps(_graded(cohort, "refleaker", LAB06), ensure_ascii=False)
    # Their code holds the marker; their error message would follow it with the reference.
    assert "LEAKED-REFERENCE [" not in graded
    assert "LEAKED-REFERENCE [" not in _feedback_html(cohort, "refleaker", LAB06)
