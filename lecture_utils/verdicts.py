"""How an exercise check reaches its verdict and words it (the checks are in checks.py).

A check calls the learner's function on copies of its inputs (`call`), turns what comes
back into float64 arrays (`as_array`, `unpack`) and compares each with the reference
(`compare`), which names the element that is off, by how much, how many are wrong, and,
when one of the usual mistakes reproduces the learner's numbers, that mistake.

Tolerance: the cases are float64. A correct answer differs from the reference only by
rounding, about 1e-15 relative however the sums are ordered; every mistake we know of is
off by 1e-3 or more. So an element is wrong when |got - want| > 1e-8 (1 + |want|): eight
orders of magnitude from either side.

A failed check raises `ExerciseError`, which stops "Run All" at the exercise, and which
IPython shows as its message alone, without a traceback into this file. A function still
holding the student copy's `raise NotImplementedError` gives `NotImplementedYet`.
"""
import copy
import functools

import numpy as np
import torch

TOL = 1e-8


class ExerciseError(Exception):
    """An exercise's answer is wrong; the message says where, by how much, and hints why."""

    def _render_traceback_(self):
        # IPython calls this instead of printing a traceback: the learner needs the verdict,
        # not the frames of the checking code.
        return [f"✗ {line}" if i == 0 else f"  {line}" for i, line in enumerate(str(self).splitlines())]


class NotImplementedYet(ExerciseError):
    """The function is still the student copy's stub."""


# ------------------------------------------------------------------------ machinery
def _describe(names, args):
    parts = []
    for name, a in zip(names, args):
        shape = getattr(a, "shape", None)
        parts.append(f"{name} {tuple(shape)}" if shape is not None else f"{name}={a!r}")
    return ", ".join(parts)


def not_implemented(name, fn):
    return NotImplementedYet(f"{getattr(fn, '__name__', name)} is not implemented yet: write its body where it "
                             "says `raise NotImplementedError`, then run the cell again.")


def require_callable(name, fn):
    if not callable(fn):
        raise ExerciseError(f"pass the function itself, as in checks.{name}(my_{name}); got a {type(fn).__name__}")


SHAPE_HINT = "check every shape against the docstring; with examples as rows, h_prev @ W_hh.T has shape (N, H)."


def call(name, fn, names, *args, hint=SHAPE_HINT):
    """Call the learner's function on copies of args; explain anything it raises."""
    require_callable(name, fn)
    # Copies, so that a function that changes its inputs cannot spoil the reference; but a
    # random generator is passed as it is: each draw must advance it.
    args = [a if isinstance(a, np.random.Generator) else copy.deepcopy(a) for a in args]
    try:
        return fn(*args)
    except NotImplementedError:
        raise not_implemented(name, fn) from None
    except ExerciseError:
        raise
    except Exception as err:  # the learner's bug, reported as a verdict rather than a crash
        raise ExerciseError(
            f"{name}({_describe(names, args)}) raised {type(err).__name__}: {err}\nhint: {hint}") from None


def expect_value_error(name, fn, args, what, why):
    """Bad input must raise a ValueError that explains it; anything else is a verdict."""
    require_callable(name, fn)
    try:
        fn(*args)
    except ValueError:
        return
    except NotImplementedError:
        raise not_implemented(name, fn) from None
    except Drew:
        raise ExerciseError(f"{name} with {what} went on to draw a sample; check the argument first and raise "
                            f"a ValueError that says why: {why}") from None
    except Exception as err:
        raise ExerciseError(f"{name} with {what} raised {type(err).__name__} ({err}); raise a ValueError "
                            f"that says why: {why}") from None
    raise ExerciseError(f"{name} with {what} should raise a ValueError that says why ({why}), not return a value.")


class Drew(Exception):
    """Raised by NoDraws: the function used the random generator."""


class NoDraws:
    """Stands in for the random generator where a function must refuse its input first."""

    def __getattr__(self, attribute):
        raise Drew(attribute)


def as_array(name, what, value, kind="a NumPy array"):
    if value is None:
        raise ExerciseError(f"{name} returned None for {what}: is a `return` missing?")
    if isinstance(value, torch.Tensor):
        value = value.detach()
    dtype = getattr(value, "dtype", None)
    if dtype in (np.float16, np.float32, torch.float16, torch.bfloat16, torch.float32):
        raise ExerciseError(f"{name}: {what} was computed in {str(dtype).replace('torch.', '')}; the check's "
                            "inputs are float64, so keep them so (no .astype(np.float32), no .float()): in "
                            "float32, rounding alone is about 1e-7.")
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ExerciseError(f"{name}: {what} should be {kind}; got {type(value).__name__}") from None


def unpack(name, result, whats):
    if not isinstance(result, (tuple, list)) or len(result) != len(whats):
        got = f"a {type(result).__name__}" + (f" of {len(result)}" if isinstance(result, (tuple, list)) else "")
        raise ExerciseError(f"{name} should return {len(whats)} values ({', '.join(whats)}); it returned {got}")
    return result


def compare(name, what, got, want, hint, mistakes=()):
    """Raise ExerciseError unless got equals want to TOL; name a known mistake if one fits.

    mistakes: (hint, array) pairs, what the usual wrong answers would return.
    """
    want = np.asarray(want, dtype=np.float64)
    got = as_array(name, what, got, "a number" if want.ndim == 0 else "a NumPy array")
    if got.shape != want.shape:
        raise ExerciseError(f"{name}: {what} has shape {got.shape}; expected {want.shape}\nhint: {hint}")
    err = np.abs(got - want)
    bad = ~(err <= TOL * (1.0 + np.abs(want)))  # NaN counts as wrong
    if not bad.any():
        return
    for mistake_hint, alt in mistakes:
        alt = np.asarray(alt, dtype=np.float64)
        if alt.shape == got.shape and np.allclose(got, alt, rtol=1e-6, atol=1e-9, equal_nan=True):
            hint = mistake_hint
            break
    idx = np.unravel_index(np.argmax(np.where(np.isnan(err), np.inf, err)), err.shape)
    where = f"{what}[{', '.join(map(str, idx))}]" if idx else what
    digits = ".6g" if err[idx] > 1e-4 else ".12g"  # enough digits to see the difference
    raise ExerciseError(
        f"{name}: {where} is {got[idx]:{digits}}; expected {want[idx]:{digits}} (off by {err[idx]:.2g}). "
        f"{int(bad.sum())} of {bad.size} elements are wrong.\nhint: {hint}")


def isolated(check):
    """Run a check without side effects on the notebook around it.

    PyTorch's random state is saved and restored: building a reference module draws
    random weights, and a lesson's later numbers must not depend on whether the learner
    ran a check. NumPy's floating-point warnings are off: computing the usual mistakes
    (exp(1000) without the max subtracted, say) overflows on purpose, and a warning would
    only distract from the verdict.
    """
    @functools.wraps(check)
    def run(*args, **kwargs):
        with torch.random.fork_rng(devices=[]), np.errstate(all="ignore"):
            return check(*args, **kwargs)
    return run


def passed(name, text):
    print(f"✓ {name}: {text}")


def random_arrays(seed, *shapes, scale=1.0):
    rng = np.random.default_rng(seed)
    return [scale * rng.standard_normal(s) for s in shapes]
