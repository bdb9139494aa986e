"""The ``numjac`` command line."""
import re

import pytest

import numjac as nj
from numjac.cli import main


def test_demo_prints_the_ir_and_matching_results(capsys):
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "def gray_scott(y, feed, kill):" in out
    assert "ir(a:f64[12], b:f64[], c:f64[]):\n" in out
    assert re.search(r"^  return [a-z]+$", out, re.MULTILINE)
    rows = re.findall(r"^ +(\d+) +(\S+) +(\S+)$", out, re.MULTILINE)
    assert [int(i) for i, _, _ in rows] == list(range(12))
    assert all(abs(float(a) - float(b)) <= 1e-12 * max(1.0, abs(float(b))) for _, a, b in rows)
    difference = re.search(r"max \|numjac - NumPy\| = (\S+)", out)
    assert float(difference.group(1)) < 1e-12


@pytest.mark.skipif(not hasattr(nj, "jacrev"), reason="the demo checks jacrev once it exists")
def test_demo_checks_the_jacobian_against_finite_differences(capsys):
    main(["demo"])
    found = re.search(r"Jacobian of shape \(12, 12\); max \|J - central differences\| = (\S+)",
                      capsys.readouterr().out)
    assert found and float(found.group(1)) < 1e-6


def test_a_missing_or_unknown_command_is_a_usage_error(capsys):
    for argv in ([], ["frobnicate"]):
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 2
    assert "usage: numjac" in capsys.readouterr().err
