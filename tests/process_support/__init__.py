"""Code that tests run in subprocesses: after fork, under SIGINT."""
