"""The hub's checks, without a hub: every bad input stops with a message saying what to do, and
before anything is changed on the computer; the exchange's inbox is read without trusting it.

The roster is faked and ``can_manage_users`` answers yes, so these run as any user and never
make an account or a group.
"""

from __future__ import annotations

import json
import os
import socket
import stat
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.errors import GraderError
from grader.hub import Hub, accounts, exchange, folder, open_hub, start


@pytest.fixture
def fake_course(tmp_path, monkeypatch):
    """A course folder with a roster we choose; nothing may touch the system's accounts."""
    root = tmp_path / "course"
    root.mkdir()
    course = SimpleNamespace(root=root, course_id="unlocking-private-data", roster=[])
    monkeypatch.setattr(folder, "learners", lambda cohort: cohort.roster)
    monkeypatch.setattr(accounts, "can_manage_users", lambda: None)

    def no_change(*args, **kwargs):
        raise AssertionError("the computer was changed before the input was checked")

    for name in ("ensure_group", "ensure_account", "_run"):
        monkeypatch.setattr(accounts, name, no_change)
    monkeypatch.setattr(folder, "_make_folders", no_change)
    return course


def _learners(*ids: str) -> list:
    return [SimpleNamespace(id=i, name=f"Learner {i}") for i in ids]


def _init_error(course, tmp_path, **settings) -> GraderError:
    with pytest.raises(GraderError) as caught:
        folder.init(tmp_path / "hub", course, **settings)
    assert caught.value.hint or "what to do" in str(caught.value)
    return caught.value


def test_no_learners_yet(fake_course, tmp_path):
    error = _init_error(fake_course, tmp_path)
    assert "no learners yet" in error.message
    assert "roster import" in error.hint


def test_an_id_that_cannot_be_a_sign_in_name(fake_course, tmp_path):
    fake_course.roster = _learners("1234")
    error = _init_error(fake_course, tmp_path)
    assert "'1234' cannot be a sign-in name" in error.message
    assert "--prefix" in error.hint


def test_two_ids_that_make_one_sign_in_name(fake_course, tmp_path):
    fake_course.roster = _learners("A.b", "a-b")
    error = _init_error(fake_course, tmp_path, prefix="x-")
    assert "would both sign in as 'x-a-b'" in error.message


def test_an_account_that_exists_for_something_else_is_left_alone(fake_course, tmp_path):
    fake_course.roster = _learners("root", "ada")
    error = _init_error(fake_course, tmp_path, prefix="")
    assert "root" in error.message
    assert "did not make" in error.message
    assert "--prefix" in error.hint


@pytest.mark.parametrize(
    ("settings", "words"),
    [
        ({"ip": "localhost:80"}, "--ip 'localhost:80' is not an address"),
        ({"home_base": "home"}, "--home-base 'home' is not an existing folder"),
        ({"home_base": "/no/such/folder"}, "is not an existing folder"),
        ({"trainer": "Trainer Smith"}, "the trainer's name 'Trainer Smith' cannot be"),
    ],
)
def test_bad_settings(fake_course, tmp_path, settings, words):
    fake_course.roster = _learners("ada")
    assert words in _init_error(fake_course, tmp_path, prefix="zz-", **settings).message


def test_the_hub_folder_may_not_be_inside_the_course_folder(fake_course, tmp_path):
    fake_course.roster = _learners("ada")
    with pytest.raises(GraderError, match="must stay private") as caught:
        folder.init(fake_course.root / "hub", fake_course, prefix="zz-")
    assert "elsewhere" in caught.value.hint


def test_prefix_and_trainer_cannot_change_once_accounts_exist(fake_course, tmp_path):
    fake_course.roster = _learners("ada")
    (tmp_path / "hub").mkdir()
    Hub(
        tmp_path / "hub", str(fake_course.root), "abc", prefix="p-", accounts={"ada": "p-ada"}
    ).save()
    error = _init_error(fake_course, tmp_path, prefix="q-")
    assert "made with --prefix 'p-'" in error.message
    assert "hub remove" in error.hint


def test_a_hub_folder_of_another_course(fake_course, tmp_path):
    fake_course.roster = _learners("ada")
    (tmp_path / "hub").mkdir()
    Hub(tmp_path / "hub", "/somewhere/else", "abc").save()
    assert "belongs to the course /somewhere/else" in _init_error(fake_course, tmp_path).message


def test_not_a_hub_folder_and_a_broken_one(tmp_path):
    with pytest.raises(GraderError, match="is not a hub folder") as caught:
        open_hub(tmp_path)
    assert "hub init" in caught.value.hint
    (tmp_path / "hub.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(GraderError, match="cannot be read"):
        open_hub(tmp_path)


def test_the_command_line_says_what_is_wrong(tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["hub", "start", "--hub", str(tmp_path / "nowhere")])
    assert result.exit_code == 1
    assert "is not a hub folder" in result.output
    assert "what to do" in result.output
    result = runner.invoke(main, ["hub", "remove", "--hub", str(tmp_path)])
    assert result.exit_code != 0
    assert "--yes" in result.output
    result = runner.invoke(main, ["hub", "init", "--port", "80", "--hub", str(tmp_path)])
    assert result.exit_code == 2
    assert "80 is not in the range" in result.output


def test_start_names_everything_missing_at_once(tmp_path, monkeypatch):
    monkeypatch.setattr(start, "find_proxy", lambda hub: None)
    course = tmp_path / "course"
    course.mkdir(mode=0o755)
    os.chmod(course, 0o755)
    (course / "grader-course.json").write_text(json.dumps({"build": str(tmp_path)}))
    monkeypatch.setattr(Hub, "cohort", lambda self: SimpleNamespace(root=course))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        hub = Hub(tmp_path / "hub", str(course), "abc", port=port, accounts={"ada": "zz-no-one"})
        found = "\n".join(start.problems(hub))
    assert "configurable-http-proxy is not installed" in found
    assert "npm install -g configurable-http-proxy" in found
    assert "no jupyterhub_config.py" in found
    assert "no longer exist (zz-no-one)" in found
    assert f"port {port} on 127.0.0.1 (learners) is taken" in found
    assert f"learners could read the hidden tests in {course}" in found


# --- the inbox: hand-ins are read without trusting them ----------------------------------------


@pytest.fixture
def inbox(tmp_path, monkeypatch):
    hub = Hub(tmp_path / "hub", str(tmp_path / "course"), "abc", accounts={"ada": "u-ada"})
    inbound = hub.course_path("c1") / "inbound"
    inbound.mkdir(parents=True)
    me = os.getuid()
    monkeypatch.setattr(accounts, "uid_of", lambda user: me if user == "u-ada" else None)
    return hub, inbound


def _hand_in(inbound: Path, name: str, notebook: bytes = b"{}") -> Path:
    folder_ = inbound / name
    folder_.mkdir()
    (folder_ / "lab1.ipynb").write_bytes(notebook)
    (folder_ / "submission_secret.txt").write_text("s3cret")
    return folder_


def test_the_inbox_takes_a_learners_own_latest_hand_in(inbox):
    hub, inbound = inbox
    # The time the system recorded counts, not the one in the name (the learner's server
    # writes that).
    _hand_in(inbound, "u-ada+lab1+2026-01-01 11:00:00.000000 UTC+bbb", b'{"n": 1}')
    time.sleep(0.05)
    _hand_in(inbound, "u-ada+lab1+2026-01-01 10:00:00.000000 UTC+aaa", b'{"n": 2}')
    _hand_in(inbound, "u-ada+lab2+2026-01-01 11:00:00.000000 UTC+ccc")  # another lab
    result = exchange.read_inbox(hub, SimpleNamespace(course_id="c1"), "lab1")
    assert [h.learner for h in result.taken] == ["ada"]
    assert result.taken[0].notebooks == {"lab1.ipynb": b'{"n": 2}'}
    assert result.taken[0].secret == "s3cret"
    assert result.older == 1
    assert result.refused == []


def test_the_inbox_refuses_links_pipes_and_strangers(inbox, tmp_path):
    hub, inbound = inbox
    secret = tmp_path / "hidden-tests.ipynb"
    secret.write_text("{}")
    (inbound / "u-ada+lab1+2026-01-01 10:00:00.000000 UTC+lnk").symlink_to(tmp_path)
    linked = inbound / "u-ada+lab1+2026-01-01 10:00:01.000000 UTC+nbl"
    linked.mkdir()
    (linked / "lab1.ipynb").symlink_to(secret)
    piped = inbound / "u-ada+lab1+2026-01-01 10:00:02.000000 UTC+fifo"
    piped.mkdir()
    os.mkfifo(piped / "lab1.ipynb")
    _hand_in(inbound, "u-bo+lab1+2026-01-01 10:00:03.000000 UTC+bo")
    empty = inbound / "u-ada+lab1+2026-01-01 10:00:04.000000 UTC+empty"
    empty.mkdir()
    result = exchange.read_inbox(hub, SimpleNamespace(course_id="c1"), "lab1")
    assert result.taken == []
    refused = "\n".join(result.refused)
    assert "+lnk: is a link" in refused
    assert "+nbl: its file lab1.ipynb is a link" in refused
    assert "+fifo: its file lab1.ipynb is not a regular file" in refused
    assert "'u-bo' is not a learner of this hub" in refused
    assert "+empty: holds no notebook" in refused


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file to another account")
def test_the_inbox_refuses_what_another_account_put_there(inbox):
    hub, inbound = inbox
    other = _hand_in(inbound, "u-ada+lab1+2026-01-01 10:00:00.000000 UTC+other")
    os.chown(other, 65534, 65534)
    planted = _hand_in(inbound, "u-ada+lab1+2026-01-01 10:00:01.000000 UTC+planted")
    os.chown(planted / "lab1.ipynb", 65534, 65534)
    result = exchange.read_inbox(hub, SimpleNamespace(course_id="c1"), "lab1")
    assert result.taken == []
    refused = "\n".join(result.refused)
    assert "+other: was made by another account" in refused
    assert "+planted: its file lab1.ipynb was put there by another account" in refused


def test_feedback_goes_back_under_nbgraders_name_for_its_learner_only(tmp_path, monkeypatch):
    from nbgrader.utils import notebook_hash

    course = tmp_path / "course"
    page = course / "feedback" / "ada" / "lab1" / "lab1.html"
    page.parent.mkdir(parents=True)
    page.write_text("<p>Score: 3 of 4</p>")
    fake = SimpleNamespace(
        root=course, course_id="c1", lab=lambda lab_id: SimpleNamespace(id=lab_id)
    )
    monkeypatch.setattr(Hub, "cohort", lambda self: fake)
    hub = Hub(tmp_path / "hub", str(course), "abc", accounts={"ada": "u-ada", "bo": "u-bo"})
    (hub.course_path("c1") / "inbound").mkdir(parents=True)
    (hub.course_path("c1") / "feedback").mkdir()
    hub.state.mkdir()
    me = os.getuid()
    monkeypatch.setattr(accounts, "uid_of", lambda user: me)
    exchange._save_records(
        hub, "lab1", {"ada": {"secret": "s3cret", "notebooks": ["lab1.ipynb"], "time": ""}}
    )
    result = exchange.send_feedback(hub, "lab1", ["ada", "bo"])
    assert result.sent == [("ada", "lab1.html")]
    assert result.missing == ["bo: nothing collected from the hub for lab1"]
    sent = (
        hub.course_path("c1")
        / "feedback"
        / f"{notebook_hash(secret='s3cret', notebook_id='lab1')}.html"
    )
    assert sent.read_text() == "<p>Score: 3 of 4</p>"
    assert stat.S_IMODE(sent.stat().st_mode) == 0o600
    page.unlink()
    assert exchange.send_feedback(hub, "lab1").missing == [
        "ada: no feedback page yet; run `python -m grader feedback lab1`"
    ]
