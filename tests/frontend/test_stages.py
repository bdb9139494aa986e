"""Every pass's IR is a named stage, selectable by the same names from
``.lower(*args)`` and from ``numjac ir --stage NAME``; printing all stages
shows each distinct IR once."""
import numpy as np
import pytest

import numjac as nj
from numjac.cli import load_function, main
from numjac.runtime.dispatch import Lowered

MODEL = '''
import numpy as np

def f(x):
    return np.tanh(x) * np.sum(x)

def energy(x):
    return np.sum(np.sin(x) * x)

def doubled(x):
    return np.sin(x) + np.sin(x)
'''

# transform, function, argument spec, the stages it has (in pipeline order)
CASES = {
    "jit": ("f", "f64[3]", ("traced", "optimized", "final", "source")),
    "jacrev": ("f", "f64[3]", ("traced", "transformed", "optimized", "final", "source")),
    "jacfwd": ("f", "f64[3]", ("traced", "transformed", "optimized", "final", "source")),
    "vmap": ("f", "f64[2,3]", ("traced", "batched", "optimized", "final", "source")),
    "hessian": ("energy", "f64[3]", ("traced", "transformed", "optimized", "final", "source")),
}
SHAPES = {"f64[3]": (3,), "f64[2,3]": (2, 3)}
TRANSFORMS = {"jit": nj.jit, "jacrev": nj.jacrev, "jacfwd": nj.jacfwd, "vmap": nj.vmap,
              "hessian": nj.hessian}


@pytest.fixture
def model(tmp_path):
    path = tmp_path / "stages_model.py"
    path.write_text(MODEL)
    return path


def lowered_for(model, transform) -> Lowered:
    name, spec, _ = CASES[transform]
    function = load_function(f"{model}:{name}")
    return TRANSFORMS[transform](function).lower(np.full(SHAPES[spec], 0.5))


def ir_part(text: str) -> str:
    """What a printed Lowered shows before the kernel source (which quotes
    the final IR in its docstring)."""
    return text.split("# generated kernel")[0]


# -- .lower() --------------------------------------------------------------------------

@pytest.mark.parametrize("transform", CASES)
def test_lower_names_each_stage_in_pipeline_order(model, transform):
    lowered = lowered_for(model, transform)
    assert lowered.stage_names == CASES[transform][2]
    assert list(lowered.stages) == list(CASES[transform][2][:-1])
    for name in lowered.stages:
        assert lowered.stage(name) is lowered.stages[name]
    assert lowered.stage("final") is lowered.ir
    assert lowered.stage("source") == lowered.source
    assert "\ndef kernel(a):\n" in lowered.source


@pytest.mark.parametrize("transform", CASES)
def test_lower_final_is_what_make_ir_returns(model, transform):
    lowered = lowered_for(model, transform)
    name, spec, _ = CASES[transform]
    function = load_function(f"{model}:{name}")
    ir = nj.make_ir(TRANSFORMS[transform](function))(np.full(SHAPES[spec], 0.5))
    assert str(lowered.stage("final")) == str(ir)
    assert str(lowered.stage("optimized")) == str(ir)


def test_each_stage_is_the_ir_of_its_pass(model):
    jacobian = lowered_for(model, "jacrev")
    assert jacobian.stage("traced").outputs[0].type.shape == (3,)          # f itself
    assert jacobian.stage("transformed").outputs[0].type.shape == (3, 3)   # its Jacobian
    # Clean-up merges the two basis iotas the vjp rows and the batching made.
    assert str(jacobian.stage("transformed")).count("iota") == 2
    assert str(jacobian.stage("optimized")).count("iota") == 1
    batched = lowered_for(model, "vmap")
    assert batched.stage("traced").inputs[0].type.shape == (3,)            # one example
    assert batched.stage("batched").inputs[0].type.shape == (2, 3)
    hessian = lowered_for(model, "hessian")
    assert hessian.stage("traced").outputs[0].type.shape == (3,)           # jacrev(energy)
    assert hessian.stage("final").outputs[0].type.shape == (3, 3)


def test_jit_keeps_the_ir_as_traced_before_clean_up(model):
    lowered = nj.jit(load_function(f"{model}:doubled")).lower(np.ones(3))
    assert str(lowered.stage("traced")).count("sin") == 2
    assert str(lowered.stage("optimized")).count("sin") == 1


def test_a_stage_the_transform_does_not_have_is_an_error_naming_those_it_has(model):
    lowered = lowered_for(model, "jit")
    with pytest.raises(ValueError, match=r"jit\(f\) has no stage 'batched'; its stages are "
                                         r"traced, optimized, final, source"):
        lowered.stage("batched")


@pytest.mark.parametrize("transform", CASES)
def test_printing_shows_each_distinct_ir_once(model, transform):
    lowered = lowered_for(model, transform)
    shown = ir_part(str(lowered))
    for name, ir in lowered.stages.items():
        first = next(n for n, other in lowered.stages.items() if str(other) == str(ir))
        if first == name:
            assert f"# IR: {name}\n{ir}\n" in shown
            assert shown.count(str(ir)) == 1
        else:
            assert f"# IR: {name}: same as {first}\n" in shown
    assert str(lowered).endswith(lowered.source)


def test_a_stage_equal_to_the_one_before_is_printed_as_a_reference(model):
    text = ir_part(str(lowered_for(model, "jacrev")))
    assert "# IR: optimized\nir(" in text
    assert "# IR: final: same as optimized\n" in text
    untouched = ir_part(str(nj.jit(load_function(f"{model}:f")).lower(np.ones(3))))
    assert "# IR: optimized: same as traced\n" in untouched
    assert "# IR: final: same as traced\n" in untouched
    assert untouched.count("ir(a:f64[3]):") == 1


# -- numjac ir --stage ---------------------------------------------------------------------

def run_ir(capsys, model, transform, stage):
    name, spec, _ = CASES[transform]
    status = main(["ir", f"{model}:{name}", "--args", spec, "--transform", transform,
                   "--stage", stage])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.mark.parametrize("transform", CASES)
def test_cli_selects_every_stage_by_the_names_lower_uses(capsys, model, transform):
    lowered = lowered_for(model, transform)
    for stage in CASES[transform][2]:
        status, out, _ = run_ir(capsys, model, transform, stage)
        assert status == 0
        assert out == f"{lowered.stage(stage)}\n"
    status, out, _ = run_ir(capsys, model, transform, "all")
    assert status == 0
    assert out == f"{lowered}\n"


@pytest.mark.parametrize("transform, missing", [("jit", "transformed"), ("jit", "batched"),
                                                ("vmap", "transformed"),
                                                ("jacrev", "batched")])
def test_cli_reports_a_stage_the_transform_does_not_have(capsys, model, transform, missing):
    status, out, err = run_ir(capsys, model, transform, missing)
    assert status == 1 and out == ""
    assert f"has no stage {missing!r}; its stages are {', '.join(CASES[transform][2])}" in err


def test_cli_help_lists_every_stage_name(capsys):
    with pytest.raises(SystemExit):
        main(["ir", "--help"])
    out = capsys.readouterr().out
    for name in (*Lowered.STAGES, "all"):
        assert f"\n  {name} " in out
