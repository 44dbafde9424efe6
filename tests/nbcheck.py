"""What "the same output" means for a notebook cell, on a learner's machine as on ours.

A notebook's outputs are made on one machine and checked on others, whose CPUs round
floating-point operations differently (tools/run_notebooks.py says how and why). So each
code cell is compared by what it shows, as its metadata says:

strict (the default)
    The text is identical: hand-worked values at the digits shown, shapes, vocabularies,
    counts, the checks' verdicts, error messages, figures' sizes.
numbers: ``"nbcheck": {"compare": "numbers", "rel": 0.04, "why": "..."}``
    Floating-point results of long computations (a loss after training, a gradient check's
    error). The words and every integer (a count) are identical; each measured number (one
    printed with a decimal point, an exponent or a percent sign) is within the tolerance of
    the committed one: ``abs + rel * |committed|`` (either may be left out), or within a
    ``factor`` (for values such as a relative error of 3e-11, of which only the order of
    magnitude means anything; with ``abs``, for values that may be 0). One unit of the
    last digit printed is always allowed, since two values within tolerance can round
    apart. ``lines``, a regular expression, limits the tolerance to the lines it matches:
    on the others, measured numbers are compared exactly too.
claims: ``"nbcheck": {"compare": "claims", "why": "..."}``
    Chaotic outputs, such as text sampled from a trained model, which no two CPUs repeat
    character for character: a function in notebook_claims.py checks what the prose says of
    them (a share of real words, speaker names at line starts, a loss below a level).
ignored: the cell tag ``nbval-ignore-output``, with a comment in the cell saying why
    Wall-clock times and widgets: the cell must run without error; its output is not compared.

Every cell that is not strict says why, in its metadata or its comment, and
tests/test_notebooks.py checks that it does. Images are not compared (nor by nbval); their
text/plain stand-in (a figure's size and number of axes) is.
"""
import difflib
import re

from notebook_claims import CLAIMS

IGNORE_TAG = "nbval-ignore-output"
KINDS = ("strict", "numbers", "claims", "ignored")
TOLERANCES = ("rel", "abs", "factor")   # and "lines", which scopes them
TEXT_MIMES = ("text/plain", "text/html", "text/latex", "text/markdown")
# Text that varies by nature on every run, rewritten on both sides before comparing.
SANITIZE = [(re.compile(r"0x[0-9a-fA-F]{6,16}"), "0xADDRESS")]
# A number standing alone: not part of a name (h_1, X86) or of a version (2.13.0). NumPy
# prints a float that rounds to a whole number as "1." inside an array: a dot followed by a
# space or "]" belongs to the number.
NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+|\.(?=[ \]]))?(?:[eE][-+]?\d+)?(?![\w]|\.\d)")


class OutputMismatch(AssertionError):
    """A cell's fresh output does not show what its committed output shows."""


def kind(cell):
    """How the cell's output is compared: one of KINDS."""
    if IGNORE_TAG in cell.get("metadata", {}).get("tags", []):
        return "ignored"
    return cell.get("metadata", {}).get("nbcheck", {}).get("compare", "strict")


def _joined(value):
    return "".join(value) if isinstance(value, list) else value


def output_text(outputs):
    """The comparable text of a cell's outputs: streams (adjacent ones joined, as JupyterLab
    shows them), every text representation of a result or display, and errors; images left out."""
    parts = []
    for out in outputs:
        kind_ = out.get("output_type")
        if kind_ == "stream":
            label, text = f"[{out.get('name')}]", _joined(out.get("text", ""))
            if parts and parts[-1][0] == label:
                parts[-1] = (label, parts[-1][1] + text)
                continue
            parts.append((label, text))
        elif kind_ in ("execute_result", "display_data"):
            parts += [(f"[{mime}]", _joined(out["data"][mime])) for mime in TEXT_MIMES if mime in out.get("data", {})]
        elif kind_ == "error":
            parts.append(("[error]", f"{out.get('ename')}: {out.get('evalue')}"))
    text = "\n".join(f"{label}\n{body.rstrip()}" for label, body in parts)
    for pattern, replacement in SANITIZE:
        text = pattern.sub(replacement, text)
    return text


def _measured(text, match):
    """Whether a number is measured, as opposed to a count: printed with a decimal point,
    an exponent or a percent sign."""
    token = match.group()
    return "." in token or "e" in token.lower() or text[match.end():match.end() + 1] == "%"


def numbers(text):
    """Every number in the text: (its text, its value, whether it is measured, its line)."""
    return [(m.group(), float(m.group().replace(",", "")), _measured(text, m), text.count("\n", 0, m.start()))
            for m in NUMBER.finditer(text)]


def last_digit(token):
    """The value of one unit in the last digit printed: 0.01 for '2.37', 1e-12 for '3.2e-11'."""
    mantissa, _, exponent = token.lower().replace(",", "").partition("e")
    decimals = len(mantissa.partition(".")[2])
    return 10.0 ** (int(exponent or 0) - decimals)


def within(got, want, token, tolerance):
    """Whether `got` is within `tolerance` of the committed `want` (printed as `token`)."""
    if abs(got - want) <= last_digit(token) * (1 + 1e-9):
        return True
    if "factor" in tolerance and want != 0 and got != 0 and (got > 0) == (want > 0) \
            and max(got / want, want / got) <= tolerance["factor"]:
        return True
    return abs(got - want) <= tolerance.get("abs", 0.0) + tolerance.get("rel", 0.0) * abs(want)


def skeleton(text):
    """The text with every measured number replaced by '#' and runs of spaces by one space,
    so that a number printed one digit wider does not count as a changed word."""
    text = NUMBER.sub(lambda m: "#" if _measured(text, m) else m.group(), text)
    return re.sub(r"[ \t]+", " ", text)


def describe(tolerance):
    return ", ".join(f"{name} {tolerance[name]:g}" for name in TOLERANCES if name in tolerance)


def diff(want, got):
    lines = difflib.unified_diff(want.splitlines(), got.splitlines(), "committed", "this run", lineterm="", n=1)
    return "\n".join(lines)


def compare_numbers(want, got, tolerance, lines=None):
    """Raise OutputMismatch unless `got` shows `want`'s words and integers, and each of its
    measured numbers within `tolerance`; on lines that do not match the regex `lines` (when
    given), measured numbers too must be printed the same."""
    if skeleton(want) != skeleton(got):
        raise OutputMismatch("the words or integers differ (measured numbers aside):\n" + diff(want, got))
    scoped = set(range(want.count("\n") + 1)) if lines is None else \
        {i for i, line in enumerate(want.split("\n")) if re.search(lines, line)}
    off = []
    for (token, w, measured, line), (new, g, _, _) in zip(numbers(want), numbers(got)):
        if not measured:
            continue
        if line not in scoped:
            if new != token:
                off.append(f"  {token} -> {new} (compared exactly: its line is outside {lines!r})")
        elif not within(g, w, token, tolerance):
            how = f"{(g - w) / abs(w):+.1%}" if w else f"{g - w:+.3g}"
            if "factor" in tolerance and w and g and (g > 0) == (w > 0):
                how = f"x{max(g / w, w / g):.3g}"
            off.append(f"  {token} -> {new} ({how}; tolerance {describe(tolerance)})")
    if off:
        raise OutputMismatch("numbers beyond the tolerance:\n" + "\n".join(off) + "\n" + diff(want, got))


def check_cell(notebook, stored, fresh):
    """Compare one code cell's fresh outputs with its committed ones; raise OutputMismatch."""
    errors = [o for o in fresh.get("outputs", []) if o.get("output_type") == "error"]
    if errors and "raises-exception" not in stored.get("metadata", {}).get("tags", []):
        e = errors[0]
        trace = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(e.get("traceback", [])[-3:]))
        raise OutputMismatch(f"the cell raised {e.get('ename')}: {e.get('evalue')}\n{trace}")
    how = kind(stored)
    want, got = output_text(stored.get("outputs", [])), output_text(fresh.get("outputs", []))
    if how == "ignored":
        return
    if how == "strict":
        if want != got:
            raise OutputMismatch("the output differs (strict comparison):\n" + diff(want, got))
    elif how == "numbers":
        spec = stored["metadata"]["nbcheck"]
        compare_numbers(want, got, {k: v for k, v in spec.items() if k in TOLERANCES}, spec.get("lines"))
    elif how == "claims":
        claim = CLAIMS.get((notebook, stored.get("id")))
        if claim is None:
            raise OutputMismatch(f"no claim check for cell {stored.get('id')} in notebook_claims.py")
        try:
            claim(got, want)
        except (LookupError, ValueError, AttributeError, TypeError) as e:
            raise OutputMismatch(f"the output no longer has the form that {claim.__name__} reads "
                                 f"({type(e).__name__}: {e}):\n" + diff(want, got)) from e
    else:
        raise OutputMismatch(f"unknown comparison {how!r}; known: {', '.join(KINDS)}")
