"""``freeride`` for the documentation test: runs the command in a child of the fork server.

Sends argv, the working directory, the environment and fds 0-2 to the server named by
``DOCS_FORKSERVER``, forwards SIGINT and SIGTERM to the child it starts, and exits
with the child's status (see forkserver.py).
"""

import json
import os
import signal
import socket
import sys

env = dict(os.environ)
path = env.pop("DOCS_FORKSERVER")
conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
conn.connect(path)
request = {"argv": sys.argv[1:], "cwd": os.getcwd(), "env": env}
socket.send_fds(conn, [json.dumps(request).encode()], [0, 1, 2])
replies = conn.makefile("r")
worker = int(replies.readline())


def forward(signum, _frame):
    os.kill(worker, signum)


signal.signal(signal.SIGINT, forward)
signal.signal(signal.SIGTERM, forward)
while True:
    try:
        line = replies.readline()
        break
    except InterruptedError:
        continue
sys.exit(int(line) if line.strip() else 1)
