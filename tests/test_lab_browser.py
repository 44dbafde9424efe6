"""Every student copy runs top to bottom in JupyterLab, in a real (headless) browser.

One run of each notebook's student copy (tools/student_copies.py) proves three things:
- what a learner sees works: the lab loads, the kernel starts, Run All goes to the end;
- the copy stops only at its exercises, each saying "not implemented yet" (the copies tag
  exercises `raises-exception`, so Run All goes on past them, for the learner as here);
- every other cell shows what the answer key in notebooks/ shows, by the notebook checks'
  rules (nbcheck.py). The kernels run on the CPU class COURSE_LAB_CPU (default: COURSE_CPU,
  else native; see tools/run_notebooks.py): CI sets another class than the output checks',
  so every lesson's outputs are checked on two.

JupyterLab serves a temporary folder, so its autosave never touches the committed files.
Slow (minutes): deselect with `./course test -m "not browser"`.
"""
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

import nbcheck
from chromium import require_chromium

ROOT = Path(__file__).resolve().parent.parent
import run_notebooks  # noqa: E402  (tools/, a folder of scripts, is on sys.path: conftest.py)
import student_copies  # noqa: E402

NOTEBOOKS = run_notebooks.numbered_notebooks()
JUPYTER = Path(sys.executable).parent / "jupyter"
RUN_TIMEOUT_S = 900  # the slowest notebook takes ~2 minutes alone, more on an emulated CPU
LAB_CPU = os.environ.get("COURSE_LAB_CPU") or os.environ.get("COURSE_CPU", "native")

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


class Lab:
    def __init__(self, root, log):
        self.port, self.token, self.log = free_port(), secrets.token_hex(16), log
        self.url = f"http://127.0.0.1:{self.port}"
        self.notebooks = root / "notebooks"
        home = root / "jupyter"
        # The kernels inherit the server's environment: LAB_CPU's, with ./course's settings.
        env = dict(run_notebooks.kernel_env(LAB_CPU),
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


# One lab per worker, for the whole session: the notebooks' tests come in groups
# (conftest.py), and a module-scoped server would be restarted between groups.
@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    require_chromium()  # skip before starting a server we would not use
    root = tmp_path_factory.mktemp("lab")
    student_copies.write_student_copies(ROOT / "notebooks", root / "notebooks")  # outputs cleared
    server = Lab(root, root / "jupyter-lab.log")
    try:
        server.wait_until_up()
        yield server
    finally:
        server.stop()


def run_all(lab, chromium, name, goes_on):
    """Open `name` in the lab, Run All, and return the final state PROGRESS reports, with
    each cell's outputs."""
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
        pytest.fail(f"{name}: {type(e).__name__}: {e}\n{lab.tail()}")
    finally:
        page.close()
        lab.close_sessions()


@pytest.mark.parametrize("path", [pytest.param(p, id=p.stem, marks=pytest.mark.browser) for p in NOTEBOOKS])
def test_student_copy_runs_in_jupyterlab_and_matches_the_answer_key(lab, chromium, path):
    key = nbformat.read(path, as_version=4)
    copy = nbformat.read(lab.notebooks / path.name, as_version=4)
    exercises = [i for i, c in enumerate(copy.cells) if student_copies.GOES_ON in c.metadata.get("tags", [])]
    state = run_all(lab, chromium, path.name, exercises)

    code_cells = [i for i, c in enumerate(copy.cells) if c.cell_type == "code" and c.source.strip()]
    assert [c["index"] for c in state["cells"]] == code_cells, f"{path.name}: the lab shows other cells"
    assert not state["failed"], f"{path.name}: Run All failed: {state['failed']}\n{lab.tail()}"
    assert state["status"] == "idle", f"{path.name}: the kernel went {state['status']} during Run All\n{lab.tail()}"
    problems = []
    for cell in state["cells"]:
        i, outputs = cell["index"], cell["outputs"]
        errors = [f"{o['ename']}: {o['evalue']}" for o in outputs if o["output_type"] == "error"]
        if cell["count"] is None:
            problems.append(f"cell {i}: did not run")
        elif i in exercises:
            if not (len(errors) == 1 and errors[0].startswith(("NotImplementedYet", "NotImplementedError"))
                    and "not implemented yet" in errors[0]):
                problems.append(f"cell {i} (an exercise): expected 'not implemented yet', got {errors or outputs}")
        else:
            try:
                nbcheck.check_cell(path.stem, key.cells[i], {"outputs": outputs})
            except nbcheck.OutputMismatch as e:
                problems.append(f"cell {i} ({nbcheck.kind(key.cells[i])}): {e}")
    assert not problems, (f"{path.name}, the student copy in JupyterLab (cpu: {LAB_CPU}; cells counted from 0):\n"
                          + "\n".join(problems))
