"""The ``Examples`` sections of the docstrings run and print what they show.

The same as ``python -m pytest --doctest-modules skbce``, but on the imported
package, so it works the same for an editable and a regular install. The
scorer object ``bce_score`` is included: doctest's module search skips it.
"""

import doctest
import importlib
import pkgutil

import pytest

import skbce

MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(skbce.__path__, prefix="skbce.")
    if info.name != "skbce.__main__"  # importing it is harmless, but it is a script
)


def _run(test):
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    output = []
    runner.run(test, out=output.append)
    return runner.summarize(verbose=False), "".join(output)


def _docstring_tests():
    finder = doctest.DocTestFinder()
    tests = []
    for name in ["skbce", *MODULES]:
        module = importlib.import_module(name)
        tests.extend(t for t in finder.find(module, name) if t.examples)
    scorer_doc = skbce.bce_score.__doc__
    tests.append(doctest.DocTestParser().get_doctest(scorer_doc, {}, "skbce.bce_score", None, 0))
    return {test.name: test for test in tests}


DOCTESTS = _docstring_tests()


def test_public_objects_have_examples():
    expected = {
        "skbce._classifier.BCEMultiLabelClassifier",
        "skbce._thresholds.PerLabelThresholdClassifier",
        "skbce.metrics.binary_cross_entropy",
        "skbce.metrics.make_bce_scorer",
        "skbce.bce_score",
        "skbce.datasets.make_digits_multilabel",
        "skbce.datasets.load_arff",
    }
    assert expected <= set(DOCTESTS)


@pytest.mark.parametrize("name", sorted(DOCTESTS))
def test_docstring_examples(name):
    result, output = _run(DOCTESTS[name])
    assert result.attempted > 0
    assert result.failed == 0, output
