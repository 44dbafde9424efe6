"""The project's set-up: dependency lists that agree, the test command CI runs, and a
project that stands alone."""
import re
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).parent.parent
CONDA_TO_PIP = {"pytorch": "torch"}
# The libraries whose version can change the lessons' numbers: conda pins them exactly.
NUMERIC = {"numpy", "torch", "matplotlib", "threadpoolctl"}


def pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def pip_requirements():
    project = pyproject()
    reqs = project["dependencies"] + [r for extra in project["optional-dependencies"].values() for r in extra]
    return {Requirement(r).name.lower(): str(Requirement(r).specifier) for r in reqs}


def conda_requirements():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    out, builds, pip_section = {}, {}, []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            pip_section += dep["pip"]
            continue
        # conda's "name=version=build" or "name>=a,<b"
        m = re.fullmatch(r"([A-Za-z0-9_.-]+)\s*(=(?P<exact>[^=<>]+)(=(?P<build>\S+))?|(?P<range>[<>=!].*))?", dep)
        assert m, f"cannot read environment.yml entry {dep!r}"
        name = CONDA_TO_PIP.get(m[1].lower(), m[1].lower())
        spec = f"=={m['exact']}" if m["exact"] else (m["range"] or "")
        out[name], builds[name] = str(SpecifierSet(spec)), m["build"]
    return out, builds, pip_section, env


def locked():
    """constraints.txt as {name: version}."""
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            req = Requirement(line)
            (spec,) = req.specifier
            assert spec.operator == "==", f"constraints.txt: {line!r} is not an exact pin"
            pins[req.name.lower().replace("_", "-")] = spec.version
    return pins


def test_environment_yml_lists_the_same_dependencies_as_pyproject():
    conda, _, pip_section, _ = conda_requirements()
    python = conda.pop("python")
    conda.pop("pip")
    by_pip = {Requirement(r).name.lower() for r in pip_section if r != "-e ."}
    assert not by_pip & set(conda), "each dependency is installed one way"
    assert set(conda) | by_pip == set(pip_requirements())
    version = python.removeprefix("==")
    assert SpecifierSet(pyproject()["requires-python"]).contains(version)


def test_the_lock_pins_every_dependency_within_what_pyproject_and_environment_yml_allow():
    pins, conda = locked(), conda_requirements()[0]
    for name, spec in pip_requirements().items():
        assert name in pins, f"{name} is not pinned in constraints.txt: run ./course lock"
        assert SpecifierSet(spec).contains(pins[name], prereleases=True), \
            f"constraints.txt pins {name}=={pins[name]}, outside pyproject.toml's {spec!r}: run ./course lock"
        allowed = conda.get(name, spec)   # what environment.yml's pip section installs, pyproject's range
        assert SpecifierSet(allowed).contains(pins[name], prereleases=True), \
            f"environment.yml's {name} {allowed!r} does not admit the locked {pins[name]}"
    for name in NUMERIC:
        assert conda[name] == f"=={pins[name]}", \
            f"environment.yml must pin {name} to the locked {pins[name]}, as the notebooks were made with it"
    assert "lecture-utils" not in pins and not any("+" in v for v in pins.values()), \
        "no editable install and no local version label (+cpu) in the lock: the pins must hold on macOS too"


def test_course_installs_from_the_lock():
    course = (ROOT / "course").read_text()
    assert "-c constraints.txt" in course and "constraints.txt | sha256sum" in course


def test_environment_yml_is_binder_ready_and_cpu_only():
    _, builds, pip_section, env = conda_requirements()
    assert env["channels"][0] == "conda-forge"
    assert builds["torch"].startswith("cpu"), "plain pytorch takes a CUDA build where conda sees CUDA"
    assert "-e ." in pip_section, "repo2docker installs lecture_utils only through the pip section"


def test_torch_is_pinned_exactly():
    # Any range that admits a newer release pulls a multi-GB CUDA wheel from PyPI.
    assert re.fullmatch(r"==\d+\.\d+\.\d+", pip_requirements()["torch"])


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "./course test" in readme and "./course lab" in readme
    assert readme.index("./course lab") < readme.index("./course test") < 2000, "the README opens with them"
    assert re.search(r"^exec \./course test\s*$", ci, re.M)
    # CI runs what a learner runs: no switch that changes what the command checks.
    assert not re.search(r"^\s*(export\s+)?COURSE_CPU=", ci, re.M)


def test_nothing_reads_the_shared_folder():
    # CI and learners clone the project alone; nothing may depend on files beside it.
    pattern = re.compile("/".join(["", "work", "shared"]) + "|" + re.escape("../" + "shared"))
    files = [ROOT / "course", ROOT / ".ci" / "run", *ROOT.glob("lecture_utils/**/*.py"),
             *ROOT.glob("tests/*.py"), *ROOT.glob("notebooks/*.ipynb")]
    offenders = [str(f.relative_to(ROOT)) for f in files if pattern.search(f.read_text(encoding="utf-8"))]
    assert not offenders


def test_the_package_map_lists_every_module_below_what_it_imports():
    # README's package map is ordered from the bottom up; that order proves the package acyclic.
    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("| module | concept | lines |"):]
    order = re.findall(r"^\| `(\w+)\.py` \|", table[:table.index("\n\n")], re.M)
    modules = {p.stem for p in (ROOT / "lecture_utils").glob("*.py")} - {"__init__", "__main__"}
    assert sorted(order) == sorted(modules), "every module has one row in the README's package map"
    for module in order:
        source = (ROOT / "lecture_utils" / f"{module}.py").read_text()
        imported = set(re.findall(r"^\s*from \.(\w+) import", source, re.M))   # in functions too
        imported |= {name.strip() for names in re.findall(r"^\s*from \. import ([\w, ]+)", source, re.M)
                     for name in names.split(",")}
        later = [m for m in imported if order.index(m) > order.index(module)]
        assert not later, f"{module}.py imports {later}, listed below it in the README's package map"
