"""The offline site of `./course export`: every notebook as a page and as a slide deck.

The browser tests open each page from file://, as an instructor's laptop with no network
would, and abort any request that would leave the machine. Both editions: the Korean one
(notebooks/ko/) is exported to ko/, and its text must render in a Korean font.
"""
import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import unquote, urlparse

import nbformat
import pytest


ROOT = Path(__file__).parent.parent
ENGLISH = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
KOREAN = sorted((ROOT / "notebooks" / "ko").glob("[0-9][0-9]_*.ipynb"))
NOTEBOOKS = ENGLISH + KOREAN
IDS = [p.relative_to(ROOT / "notebooks").with_suffix("").as_posix() for p in NOTEBOOKS]


def rel(path):
    """A notebook's path below notebooks/ (ko/01_x.ipynb), which is its page's below OUTDIR."""
    return path.relative_to(ROOT / "notebooks")
from tools.slide_metadata import apply_slide_metadata, slide_types

REVEAL = "assets/reveal.js/dist/reveal.js"  # the module id the slides template requires
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def title_of(nb):
    """The first markdown heading, as the reader sees it."""
    for cell in nb.cells:
        for line in cell.source.splitlines() if cell.cell_type == "markdown" else []:
            if re.match(r"#{1,6} ", line):
                return line.lstrip("#").strip()


def png_count(nb):
    """Figures in the outputs; for a widget, those its saved state shows (as the export does)."""
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})

    def in_widget(model_id):
        model = state.get(model_id, {}).get("state", {})
        return (sum(in_output(o) for o in model.get("outputs", []))
                + sum(in_widget(child.removeprefix("IPY_MODEL_")) for child in model.get("children", [])))

    def in_output(output):
        data = output.get("data", {})
        view = data.get(WIDGET_VIEW)
        return in_widget(view["model_id"]) if view else int("image/png" in data)

    return sum(in_output(o) for cell in nb.cells for o in cell.get("outputs", []))


def has_math(nb):
    return any(c.cell_type == "markdown" and re.search(r"\$[^$]+\$", c.source) for c in nb.cells)


def test_slide_rule():
    v4 = nbformat.v4
    cells = [v4.new_markdown_cell("# 01 · Title"), v4.new_code_cell("import x"),
             v4.new_markdown_cell("## 1. Section\n\ntext"), v4.new_markdown_cell("more text"),
             v4.new_code_cell("run()"), v4.new_markdown_cell("What it shows"),
             v4.new_markdown_cell("### Subsection"), v4.new_markdown_cell("#hashtag, not a heading"),
             v4.new_code_cell("# timing: nbval ignores it", metadata={"tags": ["nbval-ignore-output"]}),
             v4.new_raw_cell("raw")]
    assert slide_types(cells) == ["slide", "fragment", "slide", "-", "fragment", "subslide",
                                  "subslide", "-", "fragment", "-"]
    nb = v4.new_notebook(cells=cells)
    assert apply_slide_metadata(nb) == len(cells) and apply_slide_metadata(nb) == 0  # idempotent
    cells[3].metadata["slideshow"] = {"slide_type": "skip"}  # set by hand: the rule wins
    assert apply_slide_metadata(nb) == 1 and cells[3].metadata.slideshow.slide_type == "-"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_cell_has_its_slide_type(path):
    nb = nbformat.read(path, as_version=4)
    found = [c.metadata.get("slideshow", {}).get("slide_type") for c in nb.cells]
    fix = f"run: python -m tools.slide_metadata {path.relative_to(ROOT)}"
    missing = [i for i, kind in enumerate(found) if kind is None]
    assert not missing, f"cells {missing} have no slide type: {fix}"
    assert found == slide_types(nb.cells), f"slide types differ from the rule: {fix}"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """One export of copies of the notebooks, with slide types set, into a temporary OUTDIR.

    The tests compare the pages with these copies: the notebooks may change meanwhile.
    """
    notebooks = tmp_path_factory.mktemp("notebooks")
    (notebooks / "ko").mkdir()
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=nbformat.NO_CONVERT)
        apply_slide_metadata(nb)
        nbformat.write(nb, notebooks / rel(path))
    out = tmp_path_factory.mktemp("site")
    run = subprocess.run([sys.executable, "-m", "tools.export", str(out), "--notebooks", str(notebooks)],
                         cwd=ROOT, capture_output=True, text=True)
    if run.returncode and "needs node" in run.stderr and os.environ.get("COURSE_REQUIRE_BROWSER") != "1":
        pytest.skip(run.stderr.strip())
    assert run.returncode == 0, run.stdout + run.stderr
    return SimpleNamespace(out=out, notebook=lambda path: nbformat.read(notebooks / rel(path), as_version=4),
                           page=lambda path, kind=".html": out / rel(path).with_suffix(kind))


@pytest.fixture(scope="module")
def chrome(chromium):   # conftest.py's, shared with the JupyterLab tests
    return chromium


@pytest.mark.export
def test_no_page_names_a_network_url_to_load(site):
    # An independent check of the export's own: a tag or a style that names a remote file.
    loads = re.compile(r"""<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)=["']?(?:https?:)?//"""
                       r"""|url\(\s*["']?(?:https?:)?//""")
    offenders = [p.name for p in site.out.rglob("*.html") if loads.search(p.read_text(encoding="utf-8"))]
    assert not offenders


@pytest.fixture
def offline(chrome):
    """Opens a URL with every request off this machine aborted: returns (page, problems)."""
    contexts = []

    def open_page(url):
        context = chrome.new_context()
        contexts.append(context)
        problems = {"external": [], "failed": [], "errors": []}

        def local_only(route):
            url = route.request.url
            if url.startswith(("file:", "data:")) or urlparse(url).hostname == "127.0.0.1":
                route.continue_()
            else:
                problems["external"].append(url)
                route.abort()

        context.route("**/*", local_only)
        page = context.new_page()
        page.on("requestfailed", lambda r: problems["failed"].append(f"{r.url}: {r.failure}"))
        page.on("pageerror", lambda e: problems["errors"].append(str(e)))
        page.goto(url, wait_until="load")
        return page, problems

    yield open_page
    for context in contexts:
        context.close()


def wait_for_mathjax(page):
    """Resolves once MathJax has typeset everything queued at start-up."""
    page.wait_for_function("() => window.MathJax && MathJax.isReady")
    page.evaluate("() => new Promise(done => MathJax.Hub.Queue(() => done(true)))")


RAW_TEX = """() => {
  // Markdown text as the reader sees it, less code and MathJax's own copies of the TeX.
  const cells = document.querySelectorAll('.jp-MarkdownOutput');
  const text = (cells.length ? [...cells] : [document.body]).map(el => {
    const copy = el.cloneNode(true);
    copy.querySelectorAll('script, style, code, pre, .jp-CodeCell').forEach(n => n.remove());
    return copy.textContent;
  }).join(' ');
  return {mathjax: document.querySelectorAll('.MathJax_CHTML').length,
          // Unknown macros come out red; syntax errors as noErrors' boxes.
          errors: document.querySelectorAll('.MathJax_CHTML [style*="color: red"], .mjx-noError, .mjx-merror').length,
          raw: (text.match(/\\\\[a-zA-Z]{2,}|\\$\\$/g) || []).slice(0, 5)};
}"""

IMAGES = """async () => {
  const imgs = [...document.querySelectorAll('.jp-OutputArea-output img')];
  await Promise.all(imgs.map(i => i.decode().catch(() => null)));
  return imgs.map(i => i.naturalWidth);
}"""


def check_common(page, problems, nb):
    if has_math(nb):
        wait_for_mathjax(page)
        math = page.evaluate(RAW_TEX)
        assert math["mathjax"] > 0, "no math typeset"
        assert not math["raw"], f"TeX left untypeset: {math['raw']}"
        assert not math["errors"], f"{math['errors']} TeX errors"
    widths = page.evaluate(IMAGES)
    assert len(widths) == png_count(nb), "not every figure of the notebook is on the page"
    assert all(w > 0 for w in widths), f"figures that did not load: {widths}"
    assert not problems["external"], f"requests off this machine: {problems['external']}"
    assert not problems["failed"], f"local files that did not load: {problems['failed']}"
    assert not problems["errors"], f"JavaScript errors: {problems['errors']}"


@pytest.mark.export
@pytest.mark.browser
@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_page_shows_the_notebook_offline(site, offline, path):
    nb = site.notebook(path)
    page, problems = offline(site.page(path).as_uri())
    assert page.title() == title_of(nb)
    assert page.evaluate("() => document.documentElement.lang") == ("ko" if path in KOREAN else "en")
    check_common(page, problems, nb)


@pytest.mark.export
@pytest.mark.browser
@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_slides_run_offline(site, offline, path):
    nb = site.notebook(path)
    page, problems = offline(site.page(path, ".slides.html").as_uri())
    assert page.title().startswith(title_of(nb))
    page.wait_for_function("() => document.querySelector('.reveal.ready')")
    module = "../" + REVEAL if path in KOREAN else REVEAL   # relative to the page: ko/ is one folder down
    reveal = page.evaluate(f"""() => new Promise((done, fail) => require(["{module}"],
        R => done({{ready: R.isReady(), slides: R.getTotalSlides()}}), fail))""")
    assert reveal["ready"]
    # One reveal.js slide per "slide" or "subslide" cell: the deck follows the metadata.
    kinds = slide_types(nb.cells)
    assert reveal["slides"] == kinds.count("slide") + kinds.count("subslide") > 1
    check_common(page, problems, nb)


@pytest.mark.export
@pytest.mark.browser
def test_index_lists_every_notebook_and_its_links_resolve(site, offline):
    page, problems = offline((site.out / "index.html").as_uri())
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
    targets = {Path(unquote(urlparse(href).path)) for href in hrefs}
    text = page.inner_text("body")
    for edition in (ENGLISH, KOREAN):
        titles = [title_of(site.notebook(path)) for path in edition]
        for path, title in zip(edition, titles):
            assert {site.page(path), site.page(path, ".slides.html")} <= targets
            assert title in text
        assert [text.index(t) for t in titles] == sorted(text.index(t) for t in titles), "not in course order"
    assert (site.out / "glossary.html" in targets) == (ROOT / "GLOSSARY.md").exists()
    missing = [str(t) for t in targets if not t.is_file()]
    assert not missing, f"links to nothing: {missing}"
    assert not problems["external"] and not problems["failed"] and not problems["errors"], problems


@pytest.mark.export
@pytest.mark.browser
def test_glossary_page_typesets_its_math(site, offline):
    if not (ROOT / "GLOSSARY.md").exists():
        pytest.skip("no GLOSSARY.md yet")
    page, problems = offline((site.out / "glossary.html").as_uri())
    wait_for_mathjax(page)
    assert page.locator("table").count() >= 1
    math = page.evaluate(RAW_TEX)
    assert math["mathjax"] > 0 and not math["raw"] and not math["errors"], math
    assert not problems["external"] and not problems["failed"] and not problems["errors"], problems


def test_links_between_notebooks_point_to_their_pages():
    # nbconvert keeps href="05_lstm.ipynb#..." as the prose writes it; in the export the
    # notebook is the page 05_lstm.html, so the link is rewritten, its anchor kept.
    from tools.export import exporters, link_pages
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
        "See [05 §2](05_lstm.ipynb#2.-Why-the-gradient-survives), [06](06_gru.ipynb), [below](#1.-Here), "
        "[the code](../lecture_utils/cells.py) and [elsewhere](https://x.org/01_a.ipynb).\n\n## 1. Here")])
    for exporter in exporters():
        hrefs = re.findall(r'<a href="([^"]*)"', link_pages(exporter.from_notebook_node(nb)[0]))
        assert hrefs == ["05_lstm.html#2.-Why-the-gradient-survives", "06_gru.html", "#1.-Here",
                         "../lecture_utils/cells.py", "https://x.org/01_a.ipynb"]


@pytest.mark.export
def test_exported_links_between_pages_reach_a_page_and_its_heading(site):
    ids = {}   # page (ko/05_lstm.html) -> the ids of its elements
    pages = sorted(site.out.glob("[0-9][0-9]_*.html")) + sorted(site.out.glob("ko/[0-9][0-9]_*.html"))
    assert len(pages) == 2 * len(NOTEBOOKS)
    name = lambda page: page.relative_to(site.out).as_posix()
    for page in pages:
        text = page.read_text(encoding="utf-8")
        ids[name(page)] = set(re.findall(r'\bid="([^"]*)"', text))
        assert not re.search(r'href="\d\d_[a-z0-9_]+\.ipynb', text), f"{name(page)} links to a notebook, not its page"
    checked = 0
    for page in pages:
        for target, anchor in re.findall(r'href="(\d\d_[a-z0-9_]+\.html)(?:#([^"]*))?"', page.read_text(encoding="utf-8")):
            target = name(page.parent / target)   # a page links to its own edition's pages
            assert target in ids, f"{name(page)} links to {target}, which the export did not write"
            # A browser looks the fragment up as written, then percent-decoded.
            assert not anchor or {anchor, unquote(anchor)} & ids[target], f"{name(page)}: no #{anchor} in {target}"
            checked += 1
    assert checked or not any("ipynb#" in p.read_text(encoding="utf-8") for p in NOTEBOOKS)


# Whether a character is drawn with a real glyph: drawn in the page's own font, it must differ
# from a code point no font has (U+0378, unassigned), which comes out as a blank or a box.
GLYPH = """(ch) => {
  const style = getComputedStyle(document.querySelector('.jp-RenderedMarkdown, body'));
  const canvas = document.createElement('canvas'); canvas.width = canvas.height = 48;
  const g = canvas.getContext('2d');
  const draw = c => { g.clearRect(0, 0, 48, 48); g.font = `32px ${style.fontFamily}`; g.fillText(c, 4, 36);
                      return g.getImageData(0, 0, 48, 48).data.join(','); };
  const missing = draw('\\u0378'), blank = draw(' ');
  const drawn = draw(ch);
  return {drawn: drawn !== missing && drawn !== blank, font: style.fontFamily};
}"""


@pytest.mark.export
@pytest.mark.browser
def test_korean_pages_show_korean_in_a_korean_font(site, offline):
    assert KOREAN, "no Korean notebooks in notebooks/ko/"
    for path in KOREAN[:1]:
        page, problems = offline(site.page(path).as_uri())
        heading = page.inner_text("h1")
        assert re.search(r"[\uac00-\ud7a3]", heading), f"no Korean in the first heading: {heading!r}"
        glyph = page.evaluate(GLYPH, "한")
        assert glyph["drawn"], (f"Korean is drawn as blanks or boxes in {glyph['font']}: install a CJK font "
                                "(Debian: fonts-noto-cjk; .ci/run does)")
        assert not page.evaluate(GLYPH, "\u0378")["drawn"]   # the check itself can fail
        # and lines break between Korean words, not inside them (a narrow table column)
        assert page.evaluate("() => getComputedStyle(document.querySelector('td, p')).wordBreak") == "keep-all"
