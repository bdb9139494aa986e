"""scipy.stats' univariate distributions on Tracers: norm, t, chi2, beta,
gamma (rv_continuous) and poisson (rv_discrete).

Each method follows SciPy's own: arguments as SciPy parses them
(positional shapes, then loc and scale, or by keyword), float64 results
broadcast over every argument, the standardized ``z = (x - loc) / scale``,
and SciPy's values outside the domain: NaN where a shape parameter fails
its check, scale <= 0 or x is NaN; 0 or -inf outside the support for
densities; 0/1 (or their logs) beyond the ends for cdf and sf; the support's
ends at q = 0 and 1 for ppf.  Inside, SciPy's formula for the standard
form in terms of numjac's primitives (gammainc, betainc, log_ndtr, ...).
Outside the support the formula sees an interior point instead of x, so
no infinite value reaches a derivative that a select then drops.
"""
from __future__ import annotations

import inspect
import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
import scipy.special as sc
import scipy.stats as st

from ..tracer import is_traced
from .stats import implements_method

_LOG_ROOT_TWO_PI = 0.5 * math.log(2 * math.pi)
_LOG_TWO = math.log(2.0)


def as_float(value):
    """SciPy's float64 view of an argument, traced or not."""
    return value.astype(np.float64) if is_traced(value) else np.asarray(value, np.float64)


def _positive(*shapes):
    """SciPy's default shape check: every shape parameter > 0."""
    ok = np.asarray(True)
    for shape in shapes:
        ok = ok & (shape > 0)
    return ok


@dataclass(frozen=True)
class Family:
    """One distribution: its exported instance, a point inside its support
    (standing in for points outside it), the check of its shapes, and the
    formulas of the standard form, by method (``f(z, *shapes)``)."""

    instance: object
    interior: float
    formulas: dict
    argcheck: Callable = _positive

    @property
    def continuous(self) -> bool:
        return isinstance(self.instance, st.rv_continuous)

    def signature(self, point: str) -> inspect.Signature:
        """SciPy's: the point (x, k or q), the shapes, loc (and scale)."""
        names = [n.strip() for n in (self.instance.shapes or "").split(",") if n.strip()]
        kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
        scales = [("loc", 0.0)] + ([("scale", 1.0)] if self.continuous else [])
        return inspect.Signature(
            [inspect.Parameter(point, kind)] + [inspect.Parameter(n, kind) for n in names]
            + [inspect.Parameter(n, kind, default=d) for n, d in scales])

    def parse(self, args, kwargs, point="x"):
        """(point, shapes, loc, scale) as floats; SciPy's TypeError if they do not fit."""
        bound = self.signature(point).bind(*args, **kwargs)
        bound.apply_defaults()
        values = [as_float(v) for v in bound.arguments.values()]
        if self.continuous:
            return values[0], values[1:-2], values[-2], values[-1]
        return values[0], values[1:-1], values[-1], np.asarray(1.0)

    @property
    def ends(self):
        return float(self.instance.a), float(self.instance.b)


def _point(family) -> str:
    """The name SciPy gives the point: x, or k for a discrete distribution."""
    return "x" if family.continuous else "k"


def _invalid(ok, z):
    return ~ok | np.isnan(z)


def _density(family, formula, log):
    """pdf/logpdf (pmf/logpmf): 0 (-inf) outside the closed support, or off
    the integers for a discrete distribution."""
    low, high = family.ends

    def method(*args, **kwargs):
        x, shapes, loc, scale = family.parse(args, kwargs, _point(family))
        z = (x - loc) / scale
        ok = family.argcheck(*shapes) & (scale > 0)
        inside = (low <= z) & (z <= high)
        if not family.continuous:
            inside = inside & (np.floor(z) == z)
        value = formula(np.where(inside, z, family.interior), *shapes)
        if family.continuous:
            value = value - np.log(scale) if log else value / scale
        outside = -np.inf if log else 0.0
        return np.where(_invalid(ok, z), np.nan, np.where(inside, value, outside))
    return method


def _tail(family, formula, below, above, above_even_if_invalid=False):
    """cdf/sf and their logs: the formula inside the open support, ``below``
    at or under its lower end, ``above`` at or over its upper end (also
    where the shapes are invalid, if ``above_even_if_invalid``: SciPy's
    rv_discrete.logcdf)."""
    low, high = family.ends

    def method(*args, **kwargs):
        x, shapes, loc, scale = family.parse(args, kwargs, _point(family))
        z = (x - loc) / scale
        ok = family.argcheck(*shapes) & (scale > 0)
        inside = (low < z) & (z < high)
        if not family.continuous:
            inside = (low <= z) & np.isfinite(z)
        value = formula(np.where(inside, z, family.interior), *shapes)
        outside = np.where(z >= high, above, below)
        result = np.where(_invalid(ok, z), np.nan, np.where(inside, value, outside))
        return np.where(z >= high, above, result) if above_even_if_invalid else result
    return method


def _quantile(family, formula, at_zero, at_one):
    """ppf/isf: the formula for 0 < q < 1, the support's ends at 0 and 1."""
    def method(*args, **kwargs):
        q, shapes, loc, scale = family.parse(args, kwargs, "q")
        ok = family.argcheck(*shapes) & (scale > 0) & (loc == loc)
        inside = (0 < q) & (q < 1)
        value = formula(np.where(inside, q, 0.5), *shapes) * scale + loc
        ends = np.where(q == 0, at_zero * scale + loc,
                        np.where(q == 1, at_one * scale + loc, np.nan))
        return np.where(ok, np.where(inside, value, ends), np.nan)
    return method


def _methods(family):
    """The SciPy methods of ``family`` and their implementations."""
    low, high = family.ends
    f = family.formulas
    density = ("pdf", "logpdf") if family.continuous else ("pmf", "logpmf")
    made = {density[0]: _density(family, f["pdf"], log=False),
            density[1]: _density(family, f["logpdf"], log=True),
            "cdf": _tail(family, f["cdf"], 0.0, 1.0),
            "logcdf": _tail(family, f["logcdf"], -np.inf, 0.0, not family.continuous),
            "sf": _tail(family, f["sf"], 1.0, 0.0),
            "logsf": _tail(family, f["logsf"], 0.0, -np.inf)}
    if "ppf" in f:
        made["ppf"] = _quantile(family, f["ppf"], low, high)
        made["isf"] = _quantile(family, f["isf"], high, low)
    return made


def _register(family):
    for method, implementation in _methods(family).items():
        implements_method(family.instance, method)(implementation)


def _logs(formulas):
    """logcdf and logsf as SciPy's defaults: the logs of cdf and sf."""
    return {"logcdf": lambda z, *s: np.log(formulas["cdf"](z, *s)),
            "logsf": lambda z, *s: np.log(formulas["sf"](z, *s)), **formulas}


def _from_logpdf(logpdf):
    return {"logpdf": logpdf, "pdf": lambda z, *s: np.exp(logpdf(z, *s))}


# -- norm ----------------------------------------------------------------------------------

def _norm_logpdf(z):
    return -z ** 2 / 2.0 - _LOG_ROOT_TWO_PI


_NORM = {"pdf": lambda z: np.exp(-z ** 2 / 2.0) / math.sqrt(2 * math.pi),
         "logpdf": _norm_logpdf, "cdf": sc.ndtr, "sf": lambda z: sc.ndtr(-z),
         "logcdf": sc.log_ndtr, "logsf": lambda z: sc.log_ndtr(-z), "ppf": sc.ndtri,
         "isf": lambda q: -sc.ndtri(q)}

# -- t: the normal's formulas where df is infinite -------------------------------------------

_LARGE_HALF_DF = 1000.0


def _log_pochhammer_half(h):
    """log(Gamma(h + 1/2) / Gamma(h)); for large h its asymptotic series,
    where the difference of two large log-gammas would cancel."""
    small = np.where(h <= _LARGE_HALF_DF, h, 1.0)
    large = np.where(h > _LARGE_HALF_DF, h, 2 * _LARGE_HALF_DF)
    series = (0.5 * np.log(large) - 1 / (8 * large) + 1 / (192 * large ** 3)
              - 1 / (640 * large ** 5) + 17 / (14336 * large ** 7))
    return np.where(h > _LARGE_HALF_DF, series, sc.gammaln(small + 0.5) - sc.gammaln(small))


def _finite_df(df):
    return np.where(np.isinf(df), 1.0, df)


def _t_logpdf(z, df):
    d = _finite_df(df)
    t = (_log_pochhammer_half(0.5 * d) - 0.5 * (np.log(d) + np.log(np.pi))
         - (d + 1) / 2 * np.log1p(z * z / d))
    return np.where(np.isinf(df), _norm_logpdf(z), t)


_T = _logs({**_from_logpdf(_t_logpdf), "cdf": lambda z, df: sc.stdtr(df, z),
            "sf": lambda z, df: sc.stdtr(df, -z), "ppf": lambda q, df: sc.stdtrit(df, q),
            "isf": lambda q, df: -sc.stdtrit(df, q)})

# -- chi2 and gamma --------------------------------------------------------------------------


def _chi2_logpdf(z, df):
    return sc.xlogy(df / 2.0 - 1, z) - z / 2.0 - sc.gammaln(df / 2.0) - (_LOG_TWO * df) / 2.0


_CHI2 = _logs({**_from_logpdf(_chi2_logpdf), "cdf": lambda z, df: sc.gammainc(df / 2, z / 2),
               "sf": lambda z, df: sc.gammaincc(df / 2, z / 2),
               "ppf": lambda q, df: 2 * sc.gammaincinv(df / 2, q),
               "isf": lambda q, df: 2 * sc.gammainccinv(df / 2, q)})


def _gamma_logpdf(z, a):
    return sc.xlogy(a - 1.0, z) - z - sc.gammaln(a)


_GAMMA = _logs({**_from_logpdf(_gamma_logpdf), "cdf": lambda z, a: sc.gammainc(a, z),
                "sf": lambda z, a: sc.gammaincc(a, z), "ppf": lambda q, a: sc.gammaincinv(a, q),
                "isf": lambda q, a: sc.gammainccinv(a, q)})

# -- beta ----------------------------------------------------------------------------------


def _beta_logpdf(z, a, b):
    return sc.xlog1py(b - 1.0, -z) + sc.xlogy(a - 1.0, z) - sc.betaln(a, b)


_BETA = _logs({**_from_logpdf(_beta_logpdf), "cdf": lambda z, a, b: sc.betainc(a, b, z),
               "sf": lambda z, a, b: sc.betaincc(a, b, z),
               "ppf": lambda q, a, b: sc.betaincinv(a, b, q),
               "isf": lambda q, a, b: sc.betainccinv(a, b, q)})

# -- poisson: cdf and sf through the incomplete gamma of the floor -------------------------


def _poisson_logpmf(k, mu):
    return sc.xlogy(k, mu) - sc.gammaln(k + 1) - mu


_POISSON = _logs({**_from_logpdf(_poisson_logpmf),
                  "cdf": lambda k, mu: sc.gammaincc(np.floor(k) + 1, mu),
                  "sf": lambda k, mu: sc.gammainc(np.floor(k) + 1, mu)})


def _non_negative(mu):
    return mu >= 0


for _family in (Family(st.norm, 0.0, _NORM), Family(st.t, 0.0, _T),
                 Family(st.chi2, 1.0, _CHI2), Family(st.gamma, 1.0, _GAMMA),
                 Family(st.beta, 0.5, _BETA),
                 Family(st.poisson, 0.0, _POISSON, argcheck=_non_negative)):
    _register(_family)
