"""Jingwu in production form, in the foreground (生产形态运行): `make serve` or `python scripts/serve.py`.

1. `manage.py migrate` and `manage.py collectstatic` (whitenoise serves the hashed, compressed files);
2. gunicorn on JINGWU_BIND (default 127.0.0.1:$PORT, PORT default 8000) with WEB_CONCURRENCY workers
   (default 2 × cores + 1);
3. JINGWU_TASK_WORKERS task workers (default 2), `manage.py jobs_worker`.

Every line a process prints is relayed with its name in front (as honcho does). Ctrl-C (or SIGTERM)
stops them all — gunicorn finishes its requests, each task worker its running job — and if any one of
them exits on its own, the others are stopped too and the exit status says so (a service manager such
as systemd restarts the whole). Settings come from the environment as documented in docs/production.md;
JINGWU_MODE defaults to production here, which refuses to start without SECRET_KEY, DATABASE_URL and
ALLOWED_HOSTS.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GRACE_SECONDS = 30  # how long a job or request may take to finish after Ctrl-C before it is killed


def relay(name: str, stream: IO[bytes], width: int) -> None:
    prefix = f"{name:<{width}} | ".encode()
    for line in iter(stream.readline, b""):
        sys.stdout.buffer.write(prefix + line)
        sys.stdout.buffer.flush()


def run_once(*command: str, env: dict[str, str]) -> None:
    done = subprocess.run([PYTHON, str(ROOT / "manage.py"), *command], env=env, cwd=ROOT, check=False)
    if done.returncode != 0:
        sys.exit(f"serve: `manage.py {' '.join(command)}` failed ({done.returncode})")


def main() -> int:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.setdefault("JINGWU_MODE", "production")
    web_workers = int(env.get("WEB_CONCURRENCY") or 2 * (os.cpu_count() or 1) + 1)
    task_workers = int(env.get("JINGWU_TASK_WORKERS") or 2)
    bind = env.get("JINGWU_BIND") or f"127.0.0.1:{env.get('PORT', '8000')}"

    run_once("migrate", "--no-input", "-v1", env=env)
    run_once("collectstatic", "--no-input", "-v0", env=env)

    gunicorn = str(Path(PYTHON).parent / "gunicorn")
    commands: dict[str, list[str]] = {
        "web": [
            gunicorn,
            "jingwu.wsgi",
            "--workers",
            str(web_workers),
            "--bind",
            bind,
            "--graceful-timeout",
            str(GRACE_SECONDS),
            "--no-control-socket",  # one per machine by default: two servers would clash
            "--access-logfile",
            "-",
        ],
    }
    for n in range(1, task_workers + 1):
        commands[f"jobs.{n}"] = [PYTHON, str(ROOT / "manage.py"), "jobs_worker"]
    width = max(len(name) for name in commands)

    processes: dict[str, subprocess.Popen[bytes]] = {}
    stopping = threading.Event()

    def stop(signum: int = signal.SIGTERM, _frame: object = None) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    for name, command in commands.items():
        # Own process group: a Ctrl-C in the terminal reaches us only, and we stop each child once.
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        processes[name] = process
        assert process.stdout is not None
        threading.Thread(target=relay, args=(name, process.stdout, width), daemon=True).start()
    print(f"serve: {bind}, {web_workers} web workers, {task_workers} task workers (Ctrl-C stops)", flush=True)

    exited: tuple[str, int] | None = None
    while not stopping.is_set():
        for name, process in processes.items():
            if process.poll() is not None:
                exited = (name, process.returncode)
                stopping.set()
                break
        stopping.wait(0.5)

    if exited:
        print(f"serve: {exited[0]} exited ({exited[1]}); stopping the others", flush=True)
    for process in processes.values():
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + GRACE_SECONDS + 5
    for process in processes.values():
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    print("serve: stopped", flush=True)
    return 1 if exited else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # Ctrl-C during migrate or collectstatic
        sys.exit(130)
