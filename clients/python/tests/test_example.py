"""test_example.py: runs clients/python/miniter_example.py against the live
server, as a reader of the README would, and checks what it prints."""

import os
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parent.parent / "miniter_example.py"


def run_example(server_address):
    # PYTHONIOENCODING: the Korean and emoji must survive a C-locale CI shell.
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    return subprocess.run(
        [sys.executable, str(EXAMPLE), "--server", server_address],
        env=env, capture_output=True, text=True, encoding="utf-8", timeout=60)


def test_example_walks_the_tutorial(server_address):
    result = run_example(server_address)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    people = [
        "profile of Ann: 0 followers, 0 following",
        "김민수 follows Ann",
        "김민수 follows Bob",
    ]
    assert lines[lines.index(people[0]):lines.index(people[0]) + 3] == people, result.stdout
    for expected in [
        "김민수 follows (most recent first): Bob, Ann",
        "Ann's followers: 김민수",
        "Ann's own tweets: 1 tweets, newest first",
    ]:
        assert expected in lines, result.stdout
    assert any(line.startswith("search 'ann': found Ann (id ") for line in lines)
    assert any(line.startswith("search 'BO': found Bob (id ") for line in lines)
    own = next(line for line in lines if line.startswith("profile of 김민수: "))
    assert own.startswith("profile of 김민수: 0 followers, 2 following, e-mail minsu+"), own
    timeline_after_follow = [
        "김민수's timeline: 3 tweets, newest first",
        "  Bob: Bob is here 🚀 반가워요",
        "  Ann: Hello from Ann 👋",
        "  김민수: 안녕하세요! 미니터 첫 트윗입니다 🎉",
        "김민수 unfollows Bob",
        "김민수's timeline: 2 tweets, newest first",
        "  Ann: Hello from Ann 👋",
        "  김민수: 안녕하세요! 미니터 첫 트윗입니다 🎉",
        "김민수 watches his timeline live",
        "live: Ann: Live from Ann 📡",
        "김민수 stops watching",
    ]
    assert lines[-len(timeline_after_follow):] == timeline_after_follow, result.stdout


def test_example_runs_again_on_the_same_database(server_address):
    # Unique e-mails per run: a second run must not hit ALREADY_EXISTS.
    first, second = run_example(server_address), run_example(server_address)
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
