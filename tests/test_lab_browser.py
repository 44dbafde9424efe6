"""Every notebook runs top to bottom in JupyterLab, in a real (headless) browser.

nbval proves the code runs in a bare kernel; this proves what a learner sees: the lab
loads, the kernel starts, and Run All finishes without an error. JupyterLab serves a
copy of notebooks/, so its autosave can never touch the committed files.
Slow (minutes): deselect with `./course test -m "not browser"`.
"""
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from chromium import browser, require_chromium

ROOT = Path(__file__).parent.parent
NOTEBOOKS = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
JUPYTER = Path(sys.executable).parent / "jupyter"
RUN_TIMEOUT_S = 600  # the slowest notebook takes ~90 s alone; CI machines are shared

pytestmark = pytest.mark.browser

# Evaluated in the page: the open notebook's panel, or null while the lab is loading.
PANEL = "window.jupyterapp?.shell?.currentWidget"
# Kernel state, and per code cell its execution count and error outputs. Returns null
# until Run All is over: every cell ran and the kernel is idle, or an error stopped it.
PROGRESS = """() => {
    const panel = %s;
    const kernel = panel.sessionContext.session?.kernel;
    const cells = [];
    for (let i = 0; i < panel.content.model.cells.length; i++) {
        const cell = panel.content.model.cells.get(i);
        if (cell.type !== 'code' || !cell.sharedModel.getSource().trim()) continue;
        const errors = [];
        for (let j = 0; j < cell.outputs.length; j++) {
            const out = cell.outputs.get(j).toJSON();
            if (out.output_type === 'error') errors.push(out.ename + ': ' + out.evalue);
        }
        cells.push({index: i, count: cell.executionCount, errors});
    }
    const status = window.__kernelTrouble ?? kernel?.status ?? 'no kernel';
    const state = {status, cells, failed: window.__runAllError ?? null};
    const idle = status === 'idle';
    const done = cells.every(c => c.count != null);
    const errored = cells.some(c => c.errors.length);
    // A dead or restarted kernel never finishes: report it rather than wait it out.
    const broken = ['dead', 'restarting', 'autorestarting', 'no kernel'].includes(status);
    return (idle && (done || errored)) || broken || state.failed ? state : null;
}""" % PANEL


def read_notebook(path):
    return json.loads(path.read_text(encoding="utf-8"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    def __init__(self, root, log):
        self.port, self.token, self.log = free_port(), secrets.token_hex(16), log
        self.url = f"http://127.0.0.1:{self.port}"
        self.notebooks = root / "notebooks"
        home = root / "jupyter"
        env = dict(os.environ, TQDM_DISABLE="1", PYTHONHASHSEED="0",  # as ./course sets
                   # Keep the server's config, data, runtime files and workspaces out of ~/.
                   JUPYTER_CONFIG_DIR=str(home / "config"), JUPYTER_DATA_DIR=str(home / "data"),
                   JUPYTER_RUNTIME_DIR=str(home / "runtime"),
                   JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
                   JUPYTERLAB_SETTINGS_DIR=str(home / "settings"))
        self.proc = subprocess.Popen(
            [str(JUPYTER), "lab", "--no-browser", "--ServerApp.ip=127.0.0.1",
             f"--port={self.port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={self.token}",
             f"--ServerApp.root_dir={self.notebooks}", "--LabApp.expose_app_in_browser=True",
             "--ServerApp.allow_root=True"],  # CI runs as root
            env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True)

    def api(self, path, method="GET"):
        sep = "&" if "?" in path else "?"
        req = urllib.request.Request(f"{self.url}/api/{path}{sep}token={self.token}", method=method)
        with urllib.request.urlopen(req, timeout=30) as r:
            body = r.read()
        return json.loads(body) if body else None

    def tail(self, lines=40):
        text = self.log.read_text(errors="replace").splitlines()
        return f"--- last {lines} lines of {self.log} ---\n" + "\n".join(text[-lines:])

    def wait_until_up(self, timeout=120):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"jupyter lab exited with {self.proc.returncode}\n{self.tail()}")
            try:
                return self.api("status")
            except OSError:
                time.sleep(0.5)
        pytest.fail(f"jupyter lab did not answer within {timeout} s\n{self.tail()}")

    def close_sessions(self):
        # Deleting a session shuts its kernel down, so kernels never pile up.
        for session in self.api("sessions"):
            self.api(f"sessions/{session['id']}", method="DELETE")

    def stop(self):
        try:
            self.api("shutdown", method="POST")  # stops kernels, then the server
            self.proc.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            os.killpg(self.proc.pid, signal.SIGTERM)  # its own session: kernels included
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    require_chromium()  # skip before starting a server we would not use
    root = tmp_path_factory.mktemp("lab")
    shutil.copytree(ROOT / "notebooks", root / "notebooks",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    # Clear stored outputs, so an execution count or error seen later comes from this run.
    for path in (root / "notebooks").glob("*.ipynb"):
        nb = read_notebook(path)
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                cell["outputs"], cell["execution_count"] = [], None
        path.write_text(json.dumps(nb, indent=1), encoding="utf-8")
    server = Lab(root, root / "jupyter-lab.log")
    try:
        server.wait_until_up()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def chromium():
    with browser() as b:
        yield b


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_in_jupyterlab(lab, chromium, name):
    page = chromium.new_page()
    try:
        # ?reset: start from a clean workspace, with only this notebook open.
        page.goto(f"{lab.url}/lab/tree/{name}?token={lab.token}&reset", timeout=120_000)
        page.wait_for_function(
            f"() => {{ const p = {PANEL}; return p?.context?.path === {json.dumps(name)} && "
            "p.context.isReady && p.sessionContext.session?.kernel?.status === 'idle'; }",
            timeout=180_000, polling=500)
        # A kernel that dies (say, out of memory) is restarted, and is idle again by the
        # next poll: remember it. The command resolves only when the run ends, so it is
        # not awaited; keep any rejection.
        page.evaluate(f"""() => {{
            {PANEL}.sessionContext.statusChanged.connect((_, s) => {{
                if (['dead', 'restarting', 'autorestarting'].includes(s)) window.__kernelTrouble = s; }});
            window.jupyterapp.commands.execute('notebook:run-all-cells')
                .catch(e => {{ window.__runAllError = String(e); }});
        }}""")
        state = page.wait_for_function(PROGRESS, timeout=RUN_TIMEOUT_S * 1000, polling=1000).json_value()
    except Exception as e:
        pytest.fail(f"{name}: {type(e).__name__}: {e}\n{lab.tail()}")
    finally:
        page.close()
        lab.close_sessions()

    code_cells = [i for i, c in enumerate(read_notebook(lab.notebooks / name)["cells"])
                  if c["cell_type"] == "code" and "".join(c["source"]).strip()]
    assert [c["index"] for c in state["cells"]] == code_cells, f"{name}: the lab shows other cells"
    assert not state["failed"], f"{name}: Run All failed: {state['failed']}\n{lab.tail()}"
    assert state["status"] == "idle", f"{name}: the kernel went {state['status']} during Run All\n{lab.tail()}"
    errors = [f"cell {c['index']}: {e}" for c in state["cells"] for e in c["errors"]]
    assert not errors, f"{name} raised in JupyterLab (cells counted from 0):\n" + "\n".join(errors)
    skipped = [c["index"] for c in state["cells"] if c["count"] is None]
    assert not skipped, f"{name}: code cells {skipped} did not run"
