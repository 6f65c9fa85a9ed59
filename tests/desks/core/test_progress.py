"""Long commands' progress: a bar on a terminal, plain lines in a log, silent when asked."""

import io

import pytest
from django.core.management import call_command

from desks.core.progress import progress, track
from desks.demo.seed import SEED_STEPS
from tests.factories import make_community, make_user


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_a_log_gets_a_plain_line_at_each_tenth_and_one_when_done():
    stream = io.StringIO()
    assert list(track(range(20), "rows", stream)) == list(range(20))
    lines = stream.getvalue().splitlines()
    assert len(lines) == 10
    assert lines[0].startswith("rows: 2/20 (10%), 0 s so far, about 0 s left")
    assert lines[8].startswith("rows: 18/20 (90%)")
    assert lines[-1] == "rows: done, 20/20 in 0 s"


def test_a_short_run_in_a_log_says_only_when_each_step_is_reached():
    stream = io.StringIO()
    list(track(["a", "b", "c"], "steps", stream))
    assert stream.getvalue().splitlines() == [
        "steps: 1/3 (33%), 0 s so far, about 0 s left",
        "steps: 2/3 (66%), 0 s so far, about 0 s left",
        "steps: done, 3/3 in 0 s",
    ]


def test_without_a_total_a_log_gets_the_count_when_done():
    stream = io.StringIO()
    list(track(iter(range(5)), "rows", stream))
    assert stream.getvalue() == "rows: done, 5 in 0 s\n"


def test_a_terminal_gets_a_bar_that_redraws_in_place():
    stream = Terminal()
    with progress("rows", 4, stream) as advance:
        for _ in range(4):
            advance()
    shown = stream.getvalue()
    assert "rows" in shown and "4/4" in shown and "━" in shown
    assert "\x1b[" in shown  # terminal control codes: the bar is drawn, not logged
    assert "done," not in shown


def test_disabled_progress_writes_nothing_anywhere():
    for stream in (io.StringIO(), Terminal()):
        with progress("rows", 3, stream, enabled=False) as advance:
            advance(3)
        assert stream.getvalue() == ""


def test_a_failed_run_does_not_claim_to_be_done():
    stream = io.StringIO()
    with pytest.raises(RuntimeError), progress("rows", 10, stream) as advance:
        advance(5)
        raise RuntimeError
    assert "50%" in stream.getvalue() and "done" not in stream.getvalue()


@pytest.fixture
def three_communities(db):
    communities = [make_community(slug=slug) for slug in ("a-li", "b-he", "c-xin")]
    for community in communities:
        for n in range(3):
            make_user(community=community, username=f"{community.slug}-{n}")
    return communities


def run(*args, **options):
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


@pytest.mark.usefixtures("english")
def test_generate_rota_for_many_communities_logs_plain_progress_lines(three_communities):
    out, err = run("generate_rota", "--month", "2027-03", "--seconds", "0.1")
    assert err.splitlines()[0].startswith("generate_rota 2027-03: 1/3 (33%)")
    assert err.splitlines()[-1].startswith("generate_rota 2027-03: done, 3/3 in ")
    assert "\x1b[" not in err
    assert out.count("2027-03:") == 3  # what it did stays on stdout, one line per community


@pytest.mark.usefixtures("english")
def test_generate_rota_without_progress_still_says_what_it_did(three_communities):
    out, err = run("generate_rota", "--month", "2027-03", "--seconds", "0.1", "--no-progress")
    assert err == "" and out.count("2027-03:") == 3


@pytest.mark.usefixtures("english")
def test_generate_rota_at_verbosity_0_prints_nothing(three_communities):
    out, err = run("generate_rota", "--month", "2027-03", "--seconds", "0.1", verbosity=0)
    assert (out, err) == ("", "")


def test_anonymise_residents_at_verbosity_0_prints_nothing(db):
    assert run("anonymise_residents", verbosity=0) == ("", "")


def test_seed_demo_logs_its_steps_and_at_verbosity_0_prints_nothing(settings, db):
    settings.DEBUG = True
    out, err = run("seed_demo")
    assert err.splitlines()[-1].startswith(f"seed_demo: done, {SEED_STEPS}/{SEED_STEPS} in ")
    assert "Demo data ready" in out
    assert run("seed_demo", verbosity=0) == ("", "")
