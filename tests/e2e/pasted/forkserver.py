"""A ``freeride`` that starts in milliseconds: one process imports the CLI once, then forks a
child per command.

Importing the CLI costs about two seconds, and the documentation holds a hundred commands, so
running each as a new interpreter would take minutes. A command line still runs as a user's
would: bash parses it (pipes, redirections, variables), ``freeride`` on its ``PATH`` is
``client.py``, which hands this server its argv, working directory, environment and its stdin,
stdout and stderr, and the server forks a process that runs ``freeride.cli.main.main()`` on them.
The client forwards SIGINT and SIGTERM to that process and exits with its status, so a Ctrl-C, a
pipe or an exit status behave as with the installed command. Only the interpreter start and the
import are shared; ``.venv/bin/freeride`` itself is run by the README's own block.

Each request forks a monitor that forks the worker and waits for it, so the server never holds a
thread and never has to reap a worker while accepting the next request. Nothing outlives the
test: a worker whose client went away (killed at a timeout) is killed, and the server exits
when the process that started it is gone.

Usage: ``python forkserver.py SOCKET`` (prints ``ready`` once listening).
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import select
import signal
import socket
import sys
import traceback
from typing import Any

import freeride.cli.main as cli


def _run_worker(request: dict[str, Any], fds: list[int]) -> int:
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    sys.argv = ["freeride", *request["argv"]]
    try:
        cli.main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if exc.code is not None and not isinstance(exc.code, int):
            print(exc.code, file=sys.stderr)
    except KeyboardInterrupt:
        code = 130
    except BaseException:
        traceback.print_exc()
        code = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a closed pipe: nothing more to say
            stream.flush()
    return code


def _monitor(conn: socket.socket, request: dict[str, Any], fds: list[int]) -> None:
    worker = os.fork()
    if worker == 0:
        conn.close()
        os._exit(_run_worker(request, fds))
    for fd in fds:
        os.close(fd)
    conn.sendall(f"{worker}\n".encode())
    while True:
        done, status = os.waitpid(worker, os.WNOHANG)
        if done:
            break
        readable, _, _ = select.select([conn], [], [], 0.02)
        if readable and not conn.recv(1):  # the client is gone: so is the command
            os.kill(worker, signal.SIGKILL)
    code = os.waitstatus_to_exitcode(status)
    conn.sendall(f"{128 - code if code < 0 else code}\n".encode())
    conn.close()


def serve(path: str) -> None:
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(16)
    server.settimeout(1.0)
    parent = os.getppid()
    print("ready", flush=True)
    while os.getppid() == parent:
        try:
            conn, _ = server.accept()
        except TimeoutError:
            continue
        conn.settimeout(None)
        message, fds, _, _ = socket.recv_fds(conn, 1 << 20, 3)
        request = json.loads(message)
        monitor = os.fork()
        if monitor == 0:
            server.close()
            try:
                _monitor(conn, request, fds)
            finally:
                os._exit(0)
        conn.close()
        for fd in fds:
            os.close(fd)
        while True:  # reap the monitors that have finished
            try:
                done, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if done == 0:
                break


if __name__ == "__main__":
    serve(sys.argv[1])
