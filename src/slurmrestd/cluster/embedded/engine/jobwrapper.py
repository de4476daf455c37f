"""The parent of every batch script: runs it and writes how it ended to a status file.

Run as `python -I -S jobwrapper.py STATUS MEMORY_BYTES CWD SCRIPT [ARG...]`
with the job's environment and standard streams, as the leader of a new
session whose process group is the job's. It exists so that a daemon that
was restarted (or killed) can still learn a job's exit status: the status
file outlives both processes.

- Catchable signals sent to the job's process group reach the script with
  their default action; the wrapper itself only notes them (so it survives
  to write the status). The daemon starts it with every signal blocked;
  signals that arrive before the script is forked are passed on to it.
  SIGKILL kills the wrapper too; the daemon then knows it sent SIGKILL itself.
- The status file is JSON {"status": raw wait status, "maxrss_kib": N} or
  {"launch_error": text}, written to a temporary name and renamed.
- After the script ends, whatever it left in the process group is killed
  (as Slurm does when a batch step ends); the wrapper dies with it.
Standard library only, and nothing else from this package: it runs under -I -S.
"""

import json
import os
import resource
import signal
import sys

# Signals the wrapper must survive; the script gets them with default actions.
_CAUGHT = (
    signal.SIGHUP,
    signal.SIGINT,
    signal.SIGQUIT,
    signal.SIGTERM,
    signal.SIGUSR1,
    signal.SIGUSR2,
    signal.SIGALRM,
    signal.SIGXCPU,
    signal.SIGVTALRM,
    signal.SIGPROF,
)
# Python ignores these at start-up; a child would inherit "ignored" across exec.
_RESTORE = (signal.SIGPIPE, signal.SIGXFSZ)


def _noted(signum, frame):
    return None


def _write_status(path, content):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(content, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _child(script, args, memory, error_pipe):
    for signum in _CAUGHT + _RESTORE:
        signal.signal(signum, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_SETMASK, ())
    try:
        if memory:
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        os.execv(script, [script, *args])
    except OSError as exc:
        os.write(error_pipe, f"execve(): {script}: {exc.strerror}".encode())
    os._exit(127)


def main(argv):
    status_path, memory, cwd, script, *args = argv[1:]
    for signum in _CAUGHT:
        signal.signal(signum, _noted)
    try:
        os.chdir(cwd)
    except OSError as exc:
        print(
            f"slurmstepd: error: couldn't chdir to `{cwd}': {exc.strerror}: going to /tmp instead",
            file=sys.stderr,
            flush=True,
        )
        os.chdir("/tmp")
    read_end, write_end = os.pipe()  # close-on-exec: EOF means the exec worked
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        _child(script, args, int(memory), write_end)
    # Signals that came before the script existed are the script's: pass them on
    # (it starts with them blocked, so it takes them with their default action).
    for signum in signal.sigpending():
        if signum in _CAUGHT:
            os.kill(pid, signum)
    signal.pthread_sigmask(signal.SIG_SETMASK, ())  # blocked since the daemon started us
    os.close(write_end)
    error = b""
    while chunk := os.read(read_end, 4096):
        error += chunk
    os.close(read_end)
    _, status, usage = os.wait4(pid, 0)
    if error:
        text = error.decode(errors="replace")
        print(f"slurmstepd: error: {text}", file=sys.stderr, flush=True)
        _write_status(status_path, {"launch_error": text})
    else:
        _write_status(status_path, {"status": status, "maxrss_kib": usage.ru_maxrss})
    os.killpg(os.getpgrp(), signal.SIGKILL)


if __name__ == "__main__":
    main(sys.argv)
