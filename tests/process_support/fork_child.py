"""Run one public call threaded, then fork a child per public call; each
child must finish. Prints one line per child: 'name ok' or 'name HUNG'.

Usage: python -m process_support.fork_child PARENT_CALL
"""
import os
import sys
import time

from process_support.calls import small_calls

CHILD_TIMEOUT = 60.0


def main(parent: str) -> None:
    calls = small_calls()
    calls[parent]()
    for name, call in calls.items():
        pid = os.fork()
        if pid == 0:
            try:
                call()
            finally:
                os._exit(0)
        deadline = time.monotonic() + CHILD_TIMEOUT
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                print(name, "ok" if os.waitstatus_to_exitcode(status) == 0 else "FAILED", flush=True)
                break
            if time.monotonic() > deadline:
                os.kill(pid, 9)
                os.waitpid(pid, 0)
                print(name, "HUNG", flush=True)
                break
            time.sleep(0.01)


if __name__ == "__main__":
    main(sys.argv[1])
