"""corr2d._jobs.run_jobs: every job runs exactly once, and a failing job
stops the rest (the path Ctrl-C takes) instead of draining the queue."""
import threading

import pytest

from corr2d._jobs import run_jobs


@pytest.mark.parametrize("threads", [1, 2, 4])
def test_every_job_runs_exactly_once(threads):
    seen, lock = [], threading.Lock()

    def run(job):
        with lock:
            seen.append(job)

    run_jobs(run, range(1000), threads)
    assert sorted(seen) == list(range(1000))


@pytest.mark.parametrize("threads", [1, 2])
def test_a_failing_job_raises_and_the_queue_is_not_drained(threads):
    started = []

    def run(job):
        started.append(job)
        if job == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_jobs(run, range(10000), threads)
    # Each other worker finishes at most the job it holds when job 3 fails.
    assert len(started) < 100
