"""JupyterLab, served for a test session and driven by headless Chromium (chromium.py).

`Lab` starts a server on 127.0.0.1 (a free port, a random token) serving a folder of
notebooks; `run_all` opens one of them in the page, runs all its cells with JupyterLab's own
Run All command, and returns what each code cell did and shows. notebook_runs.py uses them
to run the student copies; test_lab_browser.py checks what those runs show.
"""
import json
import os
import secrets
import signal
import socket
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from tools import run_notebooks

JUPYTER = Path(sys.executable).parent / "jupyter"
RUN_TIMEOUT_S = 900  # the slowest notebook takes ~2 minutes alone, more on an emulated CPU

# Evaluated in the page: the open notebook's panel, or null while the lab is loading.
PANEL = "window.jupyterapp?.shell?.currentWidget"
# Kernel state, and per code cell its execution count and whether it shows an error. Returns
# null until Run All is over: every cell ran and the kernel is idle, or an error outside the
# exercises (given as `goesOn`, the cells tagged raises-exception) stopped it. Polled every
# second, so it stays light: the outputs are read once, at the end (OUTPUTS).
PROGRESS = """(goesOn) => {
    const panel = %s;
    const kernel = panel.sessionContext.session?.kernel;
    const cells = [];
    for (let i = 0; i < panel.content.model.cells.length; i++) {
        const cell = panel.content.model.cells.get(i);
        if (cell.type !== 'code' || !cell.sharedModel.getSource().trim()) continue;
        let errored = false;
        for (let j = 0; j < cell.outputs.length; j++) errored ||= cell.outputs.get(j).type === 'error';
        cells.push({index: i, count: cell.executionCount, errored});
    }
    const status = window.__kernelTrouble ?? kernel?.status ?? 'no kernel';
    const state = {status, cells, failed: window.__runAllError ?? null};
    const idle = status === 'idle';
    const done = cells.every(c => c.count != null);
    const stopped = cells.some(c => c.errored && !goesOn.includes(c.index));
    // A dead or restarted kernel never finishes: report it rather than wait it out.
    const broken = ['dead', 'restarting', 'autorestarting', 'no kernel'].includes(status);
    return (idle && (done || stopped)) || broken || state.failed ? state : null;
}""" % PANEL
# Every code cell's outputs as nbformat JSON, images and tracebacks left out: {index: [output]}.
OUTPUTS = """() => {
    const panel = %s;
    const outputs = {};
    for (let i = 0; i < panel.content.model.cells.length; i++) {
        const cell = panel.content.model.cells.get(i);
        if (cell.type !== 'code') continue;
        outputs[i] = [];
        for (let j = 0; j < cell.outputs.length; j++) {
            const out = cell.outputs.get(j).toJSON();
            if (out.data) for (const mime of Object.keys(out.data)) if (mime.startsWith('image/')) delete out.data[mime];
            delete out.traceback;
            outputs[i].push(out);
        }
    }
    return outputs;
}""" % PANEL


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LabError(RuntimeError):
    """The lab did not start, or a notebook's Run All did not get to its end."""


class Lab:
    """A JupyterLab server serving the folder `notebooks`, its own files kept in `home`, its
    kernels run as the CPU class `cpu` (tools/run_notebooks.py)."""

    def __init__(self, notebooks, home, cpu="native"):
        self.port, self.token, self.log = free_port(), secrets.token_hex(16), home / "jupyter-lab.log"
        self.url = f"http://127.0.0.1:{self.port}"
        self.notebooks = notebooks
        home.mkdir(parents=True, exist_ok=True)
        # The kernels inherit the server's environment: `cpu`'s, with ./course's settings.
        # Kernels talk over Unix sockets in the runtime folder, not TCP ports, which another
        # process starting a kernel at the same moment could take (run_notebooks.execute says
        # more); the folder's path is kept short, as a socket's path must be.
        self.runtime = tempfile.mkdtemp(prefix="lab-")
        env = dict(run_notebooks.kernel_env(cpu),
                   # Keep the server's config, data, runtime files and workspaces out of ~/.
                   JUPYTER_CONFIG_DIR=str(home / "config"), JUPYTER_DATA_DIR=str(home / "data"),
                   JUPYTER_RUNTIME_DIR=self.runtime,
                   JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
                   JUPYTERLAB_SETTINGS_DIR=str(home / "settings"))
        self.proc = subprocess.Popen(
            [str(JUPYTER), "lab", "--no-browser", "--ServerApp.ip=127.0.0.1",
             f"--port={self.port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={self.token}",
             f"--ServerApp.root_dir={self.notebooks}", "--LabApp.expose_app_in_browser=True",
             "--KernelManager.transport=ipc", "--ServerApp.allow_root=True"],  # CI runs as root
            env=env, stdout=self.log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True)

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
                raise LabError(f"jupyter lab exited with {self.proc.returncode}\n{self.tail()}")
            try:
                return self.api("status")
            except OSError:
                time.sleep(0.5)
        raise LabError(f"jupyter lab did not answer within {timeout} s\n{self.tail()}")

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
        shutil.rmtree(self.runtime, ignore_errors=True)


def run_all(lab, chromium, name, goes_on):
    """Open `name` in the lab, Run All, and return the final state PROGRESS reports, with
    each cell's outputs. `goes_on`: the indices of the cells whose error Run All passes."""
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
        state = page.wait_for_function(PROGRESS, arg=goes_on, timeout=RUN_TIMEOUT_S * 1000, polling=1000).json_value()
        outputs = page.evaluate(OUTPUTS)
        for cell in state["cells"]:
            cell["outputs"] = outputs[str(cell["index"])]
        return state
    except Exception as e:
        raise LabError(f"{name}: {type(e).__name__}: {e}\n{lab.tail()}") from e
    finally:
        page.close()
        lab.close_sessions()


