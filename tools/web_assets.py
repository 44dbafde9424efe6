"""The JavaScript the exported pages need (reveal.js, MathJax 2, require.js, jQuery),
installed from the npm registry and copied next to the pages, so nothing comes from a CDN.

Why npm: no PyPI package ships reveal.js 4 or 5, which nbconvert 7's slides template
loads; npm has all four at exact versions, and `npm ci` installs them as the lock file
in tools/web-assets/ pins them (integrity hashes included). The install is kept under
build/web-assets/<hash of the lock>/, so only the first export, or one after a change
of the pins, needs node (18 or later), npm and the registry.
"""
import hashlib
import shutil
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PINS = ROOT / "tools" / "web-assets"
CACHE = ROOT / "build" / "web-assets"

# Where the pages find them, relative to the pages (all pages sit at the top of OUTDIR).
REQUIRE_JS = "assets/require.js"
JQUERY = "assets/jquery.min.js"
REVEAL_PREFIX = "assets/reveal.js"
# The combined configuration nbconvert's templates configure MathJax 2 for. Not
# latest.js: that one asks a CDN which version is the latest.
MATHJAX = "assets/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe"
REVEAL_THEME = "white"  # its fonts ship with reveal.js; several other themes use Google Fonts


def _same(package, paths):
    return [(f"{package}/{p}", f"{package}/{p}") for p in paths]


# (path under node_modules, path under OUTDIR/assets). Only what the pages load, and the
# licences: MathJax 2 ships 70 MB of fonts and output formats that the pages never use.
# require.js and jQuery carry their licences in their headers.
COPIES = [
    ("requirejs/require.js", "require.js"),
    ("jquery/dist/jquery.min.js", "jquery.min.js"),
    *_same("reveal.js", ["LICENSE", "dist/reveal.js", "dist/reveal.css", f"dist/theme/{REVEAL_THEME}.css",
                         "dist/theme/fonts/source-sans-pro", "plugin/notes/notes.js"]),
    *_same("mathjax", ["LICENSE", "MathJax.js", "config/TeX-AMS_CHTML-full.js", "config/Safe.js", "extensions",
                       "jax/input/TeX", "jax/element", "jax/output/CommonHTML", "jax/output/PreviewHTML",
                       "fonts/HTML-CSS/TeX/woff", "localization/en"]),
]


def node_modules():
    """The installed packages: `npm ci` the first time, the kept install afterwards."""
    files = [PINS / "package.json", PINS / "package-lock.json"]
    key = hashlib.sha256(b"".join(f.read_bytes() for f in files)).hexdigest()[:16]
    target = CACHE / key
    if (target / "node_modules").is_dir():
        return target / "node_modules"
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("export: the first export needs node 18+ and npm (e.g. `sudo apt-get install npm`), "
                         "to install the offline copies of reveal.js and MathJax pinned in tools/web-assets/")
    CACHE.mkdir(parents=True, exist_ok=True)
    # Install beside the target and rename: an interrupted or concurrent install never
    # leaves a half-filled folder that a later export would trust.
    work = Path(tempfile.mkdtemp(dir=CACHE, prefix="installing-"))
    try:
        for f in files:
            shutil.copy2(f, work)
        # --ignore-scripts: the packages are plain files; nothing needs to run at install.
        try:
            subprocess.run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
                           cwd=work, check=True)
        except subprocess.CalledProcessError as e:
            raise SystemExit(f"export: `npm ci` failed (exit {e.returncode}) while fetching the pinned reveal.js "
                             "and MathJax: is the npm registry reachable?") from None
        work.rename(target)
    except OSError:
        if not (target / "node_modules").is_dir():  # not a concurrent install that won the race
            raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target / "node_modules"


def copy_assets(outdir):
    """Copy the files the pages load into outdir/assets/."""
    modules = node_modules()
    for src, dst in COPIES:
        src, dst = modules / src, outdir / "assets" / dst
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst)
        else:
            shutil.copy2(src, dst)
