"""A static, offline copy of the course: one HTML page and one reveal.js slide deck per
notebook, an index, and the glossary.

    python -m tools.export [OUTDIR] [--notebooks DIR]      # ./course export runs this

Pages come from the committed outputs (nothing is re-executed). Every script, style
and font they load is copied into OUTDIR/assets/ (see web_assets.py) and referenced by
a relative URL, so OUTDIR can be zipped and opened from file:// with no network.
Slide types come from the cells' metadata: see slide_metadata.py.

The Korean edition (DIR/ko/, see korean.py) is written the same way to OUTDIR/ko/, its
pages marked lang="ko"; the index links both editions.
"""
import argparse
import html
import re
import shutil
import time
from html.parser import HTMLParser
from pathlib import Path

import nbformat
from jinja2 import DictLoader
from nbconvert import HTMLExporter, SlidesExporter
from nbconvert.filters.markdown_mistune import markdown2html_mistune

from tools import web_assets
from tools.slide_metadata import heading_level

ROOT = web_assets.ROOT
MARKER = ".course-export"  # says OUTDIR is ours, so it may be emptied before an export
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"

# nbconvert's templates, less the mermaid block: it would import mermaid from a CDN
# (the slides template does so on every page), and ES modules do not load from file://.
# One template serves both exporters: 'index.html.j2' resolves to the lab or the reveal one.
TEMPLATES = DictLoader({
    "offline.html.j2": "{%- extends 'index.html.j2' -%}{% block html_head_js_mermaidjs %}{% endblock %}",
})


def exporters(up="", language="en"):
    """The page and slide exporters, pointed at the local copies of their scripts; `up`
    ("../") for pages written one folder below OUTDIR, `language` their <html lang>."""
    local = dict(require_js_url=up + web_assets.REQUIRE_JS, jquery_url=up + web_assets.JQUERY,
                 mathjax_url=up + web_assets.MATHJAX, mermaid_js_url="", mermaid_layout_elk_js_url="",
                 embed_images=True, extra_loaders=[TEMPLATES], language_code=language)
    page = HTMLExporter(template_name="lab", template_file="offline.html.j2", **local)
    slides = SlidesExporter(template_name="reveal", template_file="offline.html.j2",
                            reveal_url_prefix=up + web_assets.REVEAL_PREFIX, reveal_theme=web_assets.REVEAL_THEME,
                            # Lecture slides hold code and figures: let a tall one scroll.
                            reveal_scroll=True, **local)
    return page, slides


def notebook_title(nb, fallback):
    """The text of the notebook's first markdown heading."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if heading_level(line):
                    return line.strip().strip("#").strip()
    return fallback


def freeze_widgets(nb):
    """Replace each widget by the outputs its saved state holds, with a note.

    A static page has no kernel: a slider would move and change nothing. The figure the
    widget showed when the notebook was saved is honest, and needs no widget JavaScript
    (which nbconvert would load from a CDN).
    """
    state = nb.metadata.pop("widgets", {}).get(WIDGET_STATE, {}).get("state", {})

    def saved_outputs(model_id):
        model = state.get(model_id, {})
        outputs = list(model.get("state", {}).get("outputs", [])) if model.get("model_name") == "OutputModel" else []
        for child in model.get("state", {}).get("children", []):
            outputs += saved_outputs(child.removeprefix("IPY_MODEL_"))
        return outputs

    note = nbformat.v4.new_output("display_data", data={
        "text/html": "<p><em>An interactive widget in the notebook; here, its output as saved.</em></p>"})
    for cell in nb.cells:
        outputs = []
        for out in cell.get("outputs", []):
            view = out.get("data", {}).get(WIDGET_VIEW)
            if view is None:
                outputs.append(out)
                continue
            frozen = [nbformat.from_dict(o) for o in saved_outputs(view["model_id"])]
            if frozen:
                outputs += [note, *frozen]
            else:  # nothing saved: show the widget's text form
                del out.data[WIDGET_VIEW]
                outputs.append(out)
        if cell.cell_type == "code":
            cell.outputs = outputs


class _Loads(HTMLParser):
    """Collects the URLs a page would load (not the links a reader may follow)."""
    ATTRS = {"script": "src", "img": "src", "iframe": "src", "source": "src", "video": "src",
             "audio": "src", "embed": "src", "object": "data", "link": "href"}
    URL_IN_CODE = re.compile(r"""(?:url\(\s*|@import\s+|["'`])((?:https?:)?//[^\s"'`)]+)""")

    def __init__(self):
        super().__init__()
        self.urls, self._in_code = [], False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self._in_code = tag in ("script", "style")
        value = attrs.get(self.ATTRS.get(tag, ""), "") or ""
        self.urls += [value] if re.match(r"(https?:)?//", value) else []
        self.urls += self.URL_IN_CODE.findall(attrs.get("style") or "")

    def handle_endtag(self, tag):
        self._in_code = False

    def handle_data(self, data):
        if self._in_code:  # a quoted URL in a script, url() or @import in a style
            self.urls += self.URL_IN_CODE.findall(data)


def external_loads(page_html):
    """The http(s) URLs that a page would fetch: must be none."""
    parser = _Loads()
    parser.feed(page_html)
    return parser.urls


# A link from one notebook to another, as the prose writes it (05_lstm.ipynb#2.-Why-...):
# nbconvert keeps it as written, but in the export the notebook is the page 05_lstm.html.
NOTEBOOK_HREF = re.compile(r'(href=")(\d\d_[a-z0-9_]+)\.ipynb(?=[#"])')


def link_pages(body):
    """A page's links to other notebooks, pointed at their pages (the anchor kept)."""
    return NOTEBOOK_HREF.sub(r"\1\2.html", body)


def write_page(path, body):
    """Write one page, refusing any that would reach the network."""
    urls = external_loads(body)
    if urls:
        raise SystemExit(f"export: {path.name} would load {urls[:5]} from the network")
    path.write_text(body, encoding="utf-8")


def simple_page(title, body, mathjax=False):
    """The index and glossary: plain HTML around rendered markdown."""
    script = f'<script src="{web_assets.MATHJAX}"></script>' + MATHJAX_CONFIG if mathjax else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>{script}
<style>
body {{ font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; }}
table {{ border-collapse: collapse; }} td, th {{ border: 1px solid #ccc; padding: .3rem .5rem; vertical-align: top; }}
li {{ margin: .4rem 0; }} .links a {{ margin-right: .8rem; }}
a.anchor-link {{ display: none; }}  /* the pilcrows mistune adds to headings */
</style></head>
<body>
{body}
</body></html>
"""


MATHJAX_CONFIG = """<script type="text/x-mathjax-config">
MathJax.Hub.Config({tex2jax: {inlineMath: [['$','$'], ['\\\\(','\\\\)']], processEscapes: true}, messageStyle: 'none'});
</script>"""


def index_page(entries, glossary, korean=()):
    """entries: (stem, title) of each notebook; korean: the same for the Korean edition (ko/)."""
    korean = dict(korean)

    def item(stem, title):
        links = f'<a href="{stem}.html">notes</a><a href="{stem}.slides.html">slides</a>'
        if stem in korean:
            links += (f'<br><span lang="ko">{html.escape(korean[stem])}</span><br>'
                      f'<a href="ko/{stem}.html" lang="ko">노트</a><a href="ko/{stem}.slides.html" lang="ko">슬라이드</a>')
        return f'<li><strong>{html.escape(title)}</strong><br><span class="links">{links}</span></li>'
    items = "\n".join(item(stem, title) for stem, title in entries)
    both = ("<p lang=\"ko\">한국어판: 각 레슨의 한국어 노트와 슬라이드는 영어판 아래에 있다. 코드와 출력은 영어판과 같다.</p>"
            if korean else "")
    extra = '<p><a href="glossary.html">Glossary</a></p>' if glossary else ""
    return simple_page("Recurrent neural networks, from scratch", f"""
<h1>Recurrent neural networks, from scratch</h1>
<p>The course's notebooks with their saved outputs (nothing here runs Python), each as a page
of notes and as a slide deck. Everything works offline. In a deck: the arrow keys or the
space bar move on, <kbd>Esc</kbd> shows all slides, <kbd>S</kbd> opens the speaker view.</p>
{both}
<ol>
{items}
</ol>
{extra}""")


def prepare_outdir(outdir):
    """An empty OUTDIR; refuse to empty a folder that an export did not make."""
    if outdir.exists() and any(outdir.iterdir()):
        if not (outdir / MARKER).exists():
            raise SystemExit(f"export: {outdir} is not empty and not an earlier export: choose another OUTDIR")
        shutil.rmtree(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    (outdir / MARKER).write_text("Made by `./course export`; the next export empties this folder.\n")


def export(outdir, notebooks_dir):
    paths = sorted(notebooks_dir.glob("[0-9][0-9]_*.ipynb"))
    if not paths:
        raise SystemExit(f"export: no notebooks NN_*.ipynb in {notebooks_dir}")
    prepare_outdir(outdir)
    web_assets.copy_assets(outdir)
    entries = export_edition(paths, outdir, *exporters())
    korean = sorted((notebooks_dir / "ko").glob("[0-9][0-9]_*.ipynb"))
    if korean:
        (outdir / "ko").mkdir()
        korean = export_edition(korean, outdir / "ko", *exporters(up="../", language="ko"), head=KOREAN_STYLE)
    glossary = ROOT / "GLOSSARY.md"
    if glossary.exists():
        body = markdown2html_mistune(glossary.read_text(encoding="utf-8"))
        write_page(outdir / "glossary.html", simple_page("Glossary", '<p><a href="index.html">Index</a></p>' + body,
                                                         mathjax=True))
    write_page(outdir / "index.html", index_page(entries, glossary.exists(), korean))


# Korean wraps between words (at spaces), not inside one: without this a narrow table
# column breaks 조건부 성립 into 조건 / 부 / 성립.
KOREAN_STYLE = "<style>body { word-break: keep-all; overflow-wrap: break-word; }</style>"


def export_edition(paths, outdir, page, slides, head=""):
    """Write each notebook's page and deck into outdir, `head` added to each <head>;
    returns [(stem, title)]."""
    entries = []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        title = notebook_title(nb, path.stem)
        nb.metadata["title"] = title  # the templates' <title>
        freeze_widgets(nb)
        for exporter, suffix in ((page, ".html"), (slides, ".slides.html")):
            body = exporter.from_notebook_node(nb)[0].replace("</head>", head + "</head>", 1)
            # A deck links to the notes page too: reveal.js uses the anchor to number its slides.
            write_page(outdir / f"{path.stem}{suffix}", link_pages(body))
        entries.append((path.stem, title))
        print(f"export: {outdir.name}/{path.name}: {title}")
    return entries


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("outdir", nargs="?", type=Path, default=ROOT / "build" / "site",
                        help="where to write the site (default: build/site)")
    parser.add_argument("--notebooks", type=Path, default=ROOT / "notebooks",
                        help="the folder of NN_*.ipynb notebooks (default: notebooks/)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    export(args.outdir.resolve(), args.notebooks)
    size = sum(f.stat().st_size for f in args.outdir.rglob("*") if f.is_file())
    print(f"export: wrote {args.outdir}/index.html ({size / 2**20:.1f} MiB in all) "
          f"in {time.perf_counter() - start:.0f} s; open it in a browser, or zip the folder")


if __name__ == "__main__":
    main()
