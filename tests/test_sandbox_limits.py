"""The sandbox's limits on processes and written files, and how results come back from it."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile
import time

import nbformat
import pytest

from grader import sandbox
from grader.sandbox import Limits, replies
from grader.sandbox import pids as process_limit

needs_cgroup = pytest.mark.skipif(
    process_limit.mechanism() != "cgroup", reason="no writable pids control group here"
)


def _run(tmp_path, *sources: str, limits: Limits | None = None) -> sandbox.Run:
    lab = tmp_path / "lab"
    lab.mkdir()
    (lab / "lab_checks.py").write_text("")
    fresh = sandbox.Fresh(tmp_path / "work", lab, limits or Limits(cell_timeout=20), [])
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    nbformat.write(notebook, fresh.workdir / sandbox.JOB / "n.ipynb")
    try:
        return fresh.run("n.ipynb", len(sources))
    finally:
        fresh.stop()


def _printed(run: sandbox.Run) -> list[str]:
    cells = nbformat.read(run.notebook, as_version=4).cells
    return ["".join(o.get("text", "") for o in c.outputs).strip() for c in cells]


@pytest.mark.parametrize("groups", ["control groups where they work", "the memory watch alone"])
def test_the_sandbox_as_a_whole_has_a_memory_limit(tmp_path, monkeypatch, groups):
    # Four processes of 700 MB each stay under the per-process limit of 2 GB (of address
    # space), but not under the sandbox's 2 GB of memory in all. Where a machine makes memory
    # groups but does not enforce them, the watch alone must stop them.
    if groups == "the memory watch alone":
        monkeypatch.setattr(process_limit, "_root", lambda: None)
    hog = (
        "import multiprocessing as mp, time\n"
        "def hold():\n"
        "    block = bytearray(700 * 1024 * 1024)\n"
        "    block[::4096] = b'x' * len(block[::4096])\n"
        "    time.sleep(5)\n"
        "children = [mp.get_context('fork').Process(target=hold) for _ in range(4)]\n"
        "[c.start() for c in children]\n"
        "[c.join() for c in children]\n"
        "print(sorted(c.exitcode for c in children))"
    )
    run = _run(tmp_path, hog, limits=Limits(cell_timeout=60, memory_mb=2048))
    assert any("ran out of memory" in note for note in run.notes), (run.status, run.notes)


def test_learner_code_has_no_privileges_and_cannot_reach_the_runners_pipes(tmp_path):
    if not sandbox.available():
        pytest.skip("no bubblewrap here")
    run = _run(
        tmp_path,
        # Kernel settings (as the machine's root, the sandbox could change them).
        "try:\n"
        "    open('/proc/sys/kernel/randomize_va_space', 'w').write('2')\n"
        "    print('changed a kernel setting')\n"
        "except OSError:\n"
        "    print('kernel settings: refused')",
        # The runner's pipe to the grader: a forged message would pass for the runner's.
        "import os\n"
        "runner = os.getppid()\n"
        "try:\n"
        "    os.listdir(f'/proc/{runner}/fd')\n"
        "    open(f'/proc/{runner}/fd/1', 'wb').write(b'done 0\\n')\n"
        "    print('wrote to the runner pipe')\n"
        "except OSError:\n"
        "    print('runner pipes: refused')",
        "import os\nprint('root' if os.geteuid() == 0 and os.getuid() == 0 else 'not root')",
    )
    assert run.status == "ok", run.reason
    printed = _printed(run)
    assert printed == ["kernel settings: refused", "runner pipes: refused", printed[2]]
    if os.geteuid() == 0:
        assert printed[2] == "not root"  # run as root, the grader drops to nobody


@needs_cgroup
def test_a_bounded_fork_loop_hits_the_limit_and_everything_stops(tmp_path):
    # Forks sleeping children until the kernel refuses (never more than 1000 even if the
    # limit did not work), and says how far it got.
    bounded = (
        "import os, time\n"
        "children = 0\n"
        "try:\n"
        "    while children < 1000:\n"
        "        if os.fork() == 0:\n"
        "            time.sleep(60)\n"
        "            os._exit(0)\n"
        "        children += 1\n"
        "except OSError as exc:\n"
        "    print('refused after', children, exc.errno)\n"
    )
    run = _run(tmp_path, "x = 1", bounded, "print('later')", limits=Limits(max_processes=64))
    assert run.status == "crashed"
    assert "more than 64 processes" in run.reason
    assert not process_limit.groups_of_this_process()


@needs_cgroup
def test_the_groups_of_a_killed_grader_are_removed():
    root = process_limit._root()
    gone = subprocess.Popen(["true"])
    gone.wait()  # a process id that is no longer running: a grader that was killed
    group = root / f"{process_limit.PREFIX}{gone.pid}-0"
    group.mkdir()
    sleeper = subprocess.Popen(
        ["sleep", "60"],
        preexec_fn=lambda: (group / "cgroup.procs").write_text(str(os.getpid())),  # noqa: PLW1509
    )
    try:
        process_limit._sweep(root)
        assert sleeper.wait(10) == -9
        assert not group.exists()
    finally:
        sleeper.kill()
        if group.exists():
            process_limit._kill_all(group)
            group.rmdir()


def test_without_a_pids_group_root_is_warned(monkeypatch):
    monkeypatch.setenv("GRADER_NO_PIDS_CGROUP", "1")
    process_limit._root.cache_clear()
    try:
        expected = None if os.geteuid() == 0 else "rlimit"
        assert process_limit.mechanism() == expected
        assert process_limit.ProcessLimit(10).group is None
    finally:
        monkeypatch.delenv("GRADER_NO_PIDS_CGROUP")
        process_limit._root.cache_clear()


def test_writing_files_fills_a_ram_disk_not_the_disk(tmp_path):
    if not sandbox.available():
        pytest.skip("no bubblewrap: the notebook writes into its folder on disk")
    fill = "i = 0\nwhile True:\n    open(f'{}/f{{i}}', 'wb').write(b'x' * 20_000_000)\n    i += 1"
    started = time.monotonic()
    run = _run(
        tmp_path,
        fill.format("/tmp"),
        fill.format("."),
        "import os\nos.makedirs('out/t', exist_ok=True)\nopen('out/t/a.json', 'w').write('1')",
        limits=Limits(disk_mb=64),
    )
    assert time.monotonic() - started < 60
    assert run.status == "ok"
    assert any("ran out of space" in note and "64 MB" in note for note in run.notes)
    written = sum(p.stat().st_size for p in (tmp_path / "work").rglob("*") if p.is_file())
    assert written < 10_000_000  # nothing of the 128 MB written inside reached the disk
    assert (tmp_path / "work" / "out" / "t" / "a.json").read_text() == "1"


def _tar(*members: tuple[str, bytes, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, kind, data in members:
            info = tarfile.TarInfo(name)
            info.type = kind
            if kind == tarfile.SYMTYPE:
                info.linkname = "/etc/passwd"
            info.size = len(data) if kind == tarfile.REGTYPE else 0
            archive.addfile(info, io.BytesIO(data) if kind == tarfile.REGTYPE else None)
    return buffer.getvalue()


def test_only_expected_regular_files_come_back(tmp_path):
    payload = _tar(
        ("result.json", tarfile.REGTYPE, b"{}"),
        ("out/t1/manifest.json", tarfile.REGTYPE, b"[]"),
        ("../escape.txt", tarfile.REGTYPE, b"x"),
        ("/abs.txt", tarfile.REGTYPE, b"x"),
        ("source.ipynb", tarfile.REGTYPE, b"x"),
        ("out/link", tarfile.SYMTYPE, b""),
    )
    work = tmp_path / "work"
    work.mkdir()
    replies._unpack(payload, work)
    found = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert found == ["work/out/t1/manifest.json", "work/result.json"]
    replies._unpack(b"not a tar archive", work)  # damaged: ignored, no exception


def _reply_of(output: str, cap: int) -> bytes:
    process = subprocess.Popen(
        [sys.executable, "-c", f"import sys; sys.stdout.write({output!r})"],
        stdout=subprocess.PIPE,
    )
    messages = replies.Messages(process.stdout, cap)
    got = []
    while not got or got[-1][0] not in ("eof", "toolarge"):
        got.append(messages.get(30))
        assert got[-1] is not None, "the reader neither read a message nor ended"
    process.wait()
    return got


def test_a_reply_larger_than_the_cap_is_not_read():
    assert _reply_of("done 5000\n" + "x" * 5000, cap=1000) == [("toolarge", b"")]
    assert _reply_of("call 3\nabcdone 0\n", cap=1000)[:2] == [("call", b"abc"), ("done", b"")]
    assert _reply_of("done 3\nab", cap=1000)[0] == ("eof", b"")  # cut short: not a reply
    assert _reply_of("garbage\n", cap=1000)[0] == ("eof", b"")


def test_scratch_folders_of_killed_runs_are_removed(tmp_path):
    from grader.sandbox import scratch

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f"{scratch.PREFIX}stale"
    stale.mkdir()
    (stale / scratch.OWNER).write_text(f"{dead.pid} 1")
    (stale / "kernel-0").mkdir()
    broken = tmp_path / f"{scratch.PREFIX}broken"  # no owner file: a run killed while starting
    broken.mkdir()
    os.utime(broken, (1, 1))
    starting = tmp_path / f"{scratch.PREFIX}starting"  # no owner file yet: a run starting now
    starting.mkdir()
    with scratch.scratch_folder(tmp_path) as live:
        assert not stale.exists()
        assert not broken.exists()
        assert live.exists()
        assert starting.exists()
        assert scratch.sweep(tmp_path) == []  # a live run's folder is never taken
    assert not live.exists()
