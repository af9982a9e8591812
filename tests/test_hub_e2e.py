"""A cohort on a real JupyterHub on 127.0.0.1, with a real browser (issue 19).

``hub init`` makes two throwaway learners' system accounts from the roster, ``hub start`` runs
JupyterHub with its proxy from npm. The trainer releases lab 1 into the exchange; one learner
signs in with headless Chromium, fetches the lab in nbgrader's Assignments tab, types an answer
to question 1 in the notebook, saves and submits; the trainer collects from the exchange,
autogrades, writes feedback and sends it back; the learner fetches it and reads their score.
The other learner, as their own account, reads nothing of the first one's work (home,
hand-in, feedback), nor the course folder with its hidden tests, nor (signed in to the hub)
the first one's server.

Accounts have unique names and are removed afterwards, with every process they ran and the
hub, whether the test passes or not. Skipped, with its reason, only where accounts cannot be
made (not root, or no ``useradd``). The course holds lab 1 only, taken from the main build
when it is there (CI builds it first), else built alone.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner
from conftest import main_build

from grader import cohort as cohort_mod
from grader import pipeline
from grader.book import pdf as book_pdf
from grader.cli import main
from grader.cohort.roster import import_roster
from grader.hub import accounts, open_hub
from grader.hub.folder import remove
from grader.paths import DEFAULT_BUILD
from grader.sandbox import pids

LAB = "lab01-meet-the-data"
ANSWER = "n_subscribers = len(subscribers)"
BROWSER = book_pdf.find_chromium()
# The book's offline flags, but the hub on 127.0.0.1 must resolve.
BROWSER_FLAGS = [
    *(f for f in book_pdf.CHROMIUM_FLAGS if f != "--headless" and "resolver" not in f),
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        accounts.can_manage_users() is not None,
        reason=f"system accounts cannot be made here: {accounts.can_manage_users()}",
    ),
]


def _free_base_port() -> int:
    """A port N with N, N+1 and N+2 free on 127.0.0.1."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1]
        if base > 65000:
            continue
        try:
            for offset in (1, 2):
                with socket.socket() as probe:
                    probe.bind(("127.0.0.1", base + offset))
        except OSError:
            continue
        return base
    raise RuntimeError("no three free ports in a row")


def _cli(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def _as_user(user: str, *command: str) -> int:
    command = ["runuser", "-u", user, "--", *command]
    return subprocess.run(command, capture_output=True, check=False).returncode


def _build_dir(tmp_path_factory) -> Path:
    """A build of lab 1 alone: copied from the main build when it is current, else made."""
    build = tmp_path_factory.mktemp("hub-build")
    if main_build() is not None:
        for part in ("source", "release"):
            shutil.copytree(DEFAULT_BUILD / "course" / part / LAB, build / "course" / part / LAB)
    else:
        pipeline.build(build_dir=build, only=LAB, with_book=False, echo=lambda _: None)
    return build


def _wait_for(url: str, process: subprocess.Popen, log: Path, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the hub stopped (exit {process.returncode}):\n{log.read_text()[-4000:]}")
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=5) as response:
            if response.status == 200:
                return
        time.sleep(0.5)
    pytest.fail(f"the hub did not answer at {url}:\n{log.read_text()[-4000:]}")


@pytest.fixture(scope="module")
def hub_env(tmp_path_factory):
    if shutil.which("configurable-http-proxy") is None:
        pytest.fail("configurable-http-proxy is missing: `npm install -g configurable-http-proxy`")
    if BROWSER is None:
        pytest.fail("no Chromium installed (Debian: apt-get install chromium)")
    prefix = f"gt{secrets.token_hex(3)}-"
    course_dir = tmp_path_factory.mktemp("hub-course") / "course"
    build = _build_dir(tmp_path_factory)
    cohort = cohort_mod.init(course_dir, build, echo=lambda _: None)
    roster = course_dir.parent / "roster.csv"
    roster.write_text("id,name,email\nada,Ada Tshabalala,\nbo,Bo Pereira,\n", encoding="utf-8")
    assert not import_roster(cohort, roster).problems
    # Learners must reach the exchange: not under pytest's private temporary folder.
    hub_dir = Path(tempfile.mkdtemp(prefix="grader-hub-test-")) / "hub"
    os.chmod(hub_dir.parent, 0o755)
    homes = hub_dir.parent / "home"  # learners' homes: removed with their accounts
    homes.mkdir(mode=0o755)
    port = _free_base_port()
    log = hub_dir.parent / "hub.log"
    process = None
    try:
        out = _cli(
            "hub", "init", "--hub", str(hub_dir), "--course", str(course_dir),
            "--prefix", prefix, "--trainer", f"{prefix}trainer", "--port", str(port),
            "--memory", "1536", "--idle-minutes", "30", "--home-base", str(homes),
        )  # fmt: skip
        assert "3 account(s) made" in out, out
        hub = open_hub(hub_dir)
        with open(hub.passwords, encoding="utf-8") as handle:
            passwords = {
                row["sign-in name"]: row["first password"] for row in csv.DictReader(handle)
            }
        with open(log, "w") as out_file:
            process = subprocess.Popen(
                [sys.executable, "-m", "grader", "hub", "start", "--hub", str(hub.root)],
                stdout=out_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        url = f"http://127.0.0.1:{port}"
        _wait_for(f"{url}/hub/api", process, log)
        yield {"hub": hub, "cohort": cohort, "url": url, "passwords": passwords, "log": log}
    finally:
        if process is not None and process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)  # the hub stops learners' servers too
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        with contextlib.suppress(Exception):
            remove(open_hub(hub_dir))
        with contextlib.suppress(OSError):
            print(log.read_text()[-3000:])
        shutil.rmtree(hub_dir.parent, ignore_errors=True)


def _server_pid(user: str) -> int:
    """The process id of a learner's Jupyter server (it runs as their account)."""
    uid = accounts.uid_of(user)
    for entry in Path("/proc").iterdir():
        with contextlib.suppress(OSError):
            mine = entry.name.isdigit() and entry.stat().st_uid == uid
            if mine and b"jupyterhub-singleuser" in (entry / "cmdline").read_bytes():
                return int(entry.name)
    pytest.fail(f"no Jupyter server runs as {user}")


def _memory_limit_mib(pid: int) -> float:
    """The memory limit of the control group a process is in (cgroup v1 or v2)."""
    for line in Path(f"/proc/{pid}/cgroup").read_text().splitlines():
        _, controllers, group = line.split(":", 2)
        if controllers == "memory":
            path = Path("/sys/fs/cgroup/memory") / group.lstrip("/") / "memory.limit_in_bytes"
        elif controllers == "":
            path = Path("/sys/fs/cgroup") / group.lstrip("/") / "memory.max"
        else:
            continue
        if path.exists() and path.read_text().strip().isdigit():
            return int(path.read_text()) / 2**20
    pytest.fail(f"process {pid} is in no memory group with a limit")


def _open_assignments(page) -> None:
    page.locator("#jp-menu-panel div.lm-MenuBar-itemLabel:text('Nbgrader')").click()
    page.locator('#jp-mainmenu-nbgrader li[data-command="nbgrader:open-assignment-list"]').click()


def test_a_learner_works_on_the_hub_and_gets_feedback(hub_env):
    from playwright.sync_api import sync_playwright

    hub, cohort, url = hub_env["hub"], hub_env["cohort"], hub_env["url"]
    ada, bo = hub.accounts["ada"], hub.accounts["bo"]
    started = time.monotonic()
    _cli("hub", "release", LAB, "--hub", str(hub.root))

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=BROWSER, args=BROWSER_FLAGS)
        try:
            page = browser.new_page()
            page.set_default_timeout(120_000)
            page.goto(f"{url}/hub/login")
            page.fill("#username_input", ada)
            page.fill("#password_input", hub_env["passwords"][ada])
            page.click("#login_submit")
            page.wait_for_url(f"**/user/{ada}/lab**", timeout=180_000)

            # Fetch the lab in the Assignments tab.
            _open_assignments(page)
            released = page.locator("#released_assignments_list > .list_item").filter(has_text=LAB)
            released.first.locator(".item_status button").click()
            fetched = page.locator("#fetched_assignments_list > .list_item").filter(has_text=LAB)
            fetched.first.wait_for()

            # Answer question 1 in the notebook (its first answer cell) and save.
            page.goto(f"{url}/user/{ada}/lab/tree/{LAB}/{LAB}.ipynb")
            cells = page.locator(".jp-Notebook .jp-CodeCell")
            cells.filter(has_text="NotImplementedError").first.locator(".cm-content").click()
            page.keyboard.press("ControlOrMeta+a")
            page.keyboard.type(ANSWER)
            page.keyboard.press("ControlOrMeta+s")
            cells.filter(has_text=ANSWER).first.wait_for()
            page.wait_for_function("() => !document.querySelector('.jp-mod-dirty')")

            _open_assignments(page)
            fetched.first.locator('.item_status button:text("Submit")').click()
            submitted = page.locator("#submitted_assignments_list > .list_item")
            submitted.filter(has_text=LAB).first.wait_for()

            # The trainer: collect from the exchange, grade, write and send feedback.
            out = _cli("hub", "collect", LAB, "--hub", str(hub.root))
            assert "1 hand-in(s) taken" in out, out
            assert "✓ ada" in out, out
            # The hand-in's time (for lateness) is the one the system recorded at submission.
            recorded = json.loads((hub.state / f"collected-{LAB}.json").read_text())["ada"]
            stamp = (cohort.submitted_dir("ada", LAB) / "timestamp.txt").read_text()
            submitted_at = dt.datetime.fromisoformat(recorded["time"])
            assert stamp.startswith(submitted_at.strftime("%Y-%m-%d %H:%M:%S")), stamp
            assert abs(time.time() - submitted_at.timestamp()) < 300
            _cli("autograde", LAB, "--course", str(cohort.root), "--workers", "1")
            assert cohort.read_statuses(LAB)["ada"]["score"] >= 1
            _cli("feedback", LAB, "--course", str(cohort.root), "--student", "ada")
            assert "✓ ada" in _cli("hub", "feedback", LAB, "--hub", str(hub.root))

            # The learner fetches the feedback and reads their score.
            submitted.filter(has_text=LAB).first.locator('button:text("Fetch Feedback")').click()
            link = page.locator('#submitted_assignments_list a:text("view feedback")').first
            link.wait_for()
            stamp = link.locator("xpath=..").inner_text().split(" (")[0].strip()
            page.goto(f"{url}/user/{ada}/files/{LAB}/feedback/{stamp}/{LAB}.html")
            assert "Score: 1 of" in page.content()
        finally:
            browser.close()

    # Her server runs as her own account, in a memory group of its own with her limit.
    server = _server_pid(ada)
    if pids.mechanism() == "cgroup":
        assert _memory_limit_mib(server) == 1536

    # The other learner, signed in to the hub, cannot open the first one's server ...
    session = requests.Session()
    session.get(f"{url}/hub/login")
    signed_in = session.post(
        f"{url}/hub/login?next=/hub/home",
        data={
            "username": bo,
            "password": hub_env["passwords"][bo],
            "_xsrf": session.cookies["_xsrf"],
        },
    )
    assert signed_in.url.endswith("/hub/home"), signed_in.url
    assert session.get(f"{url}/user/{ada}/api/contents/{LAB}").status_code == 403
    # ... and, as their own account on the machine, reads nothing of hers nor of the course.
    home = Path(hub.home_base) / ada
    assert _as_user(bo, "cat", str(home / LAB / f"{LAB}.ipynb")) != 0
    assert _as_user(bo, "ls", str(home)) != 0
    exchange = hub.course_path(cohort.course_id)
    assert _as_user(bo, "ls", str(exchange / "inbound")) != 0
    assert _as_user(bo, "ls", str(exchange / "feedback")) != 0
    pages = list((exchange / "feedback").glob("*.html"))
    assert pages
    assert all(_as_user(bo, "cat", str(page)) != 0 for page in pages)
    assert _as_user(bo, "cat", str(cohort.source_notebook(LAB))) != 0
    assert _as_user(bo, "ls", str(cohort.root)) != 0
    # ... while the released lab is there for them to fetch.
    assert _as_user(bo, "cat", str(exchange / "outbound" / LAB / f"{LAB}.ipynb")) == 0
    print(f"hub end to end: {time.monotonic() - started:.0f} s once the hub was up")
