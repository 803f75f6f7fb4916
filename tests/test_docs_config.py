"""docs/conf.py: broken references fail the build, offline links do not, the gallery's order.

conf.py is run in a child process: importing it limits BLAS threads, which
must not leak into the other tests.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

PROBE = r"""
import json, runpy, sys
from types import SimpleNamespace

conf = runpy.run_path("docs/conf.py")
sys.path.insert(0, "docs")
from gallery_order import ORDER, ExampleOrder

offline = SimpleNamespace(intersphinx_named_inventory={})
online = SimpleNamespace(intersphinx_named_inventory={"sklearn": {}, "python": {}})
contnode = "text"

def resolve(env, target):
    node = {"reftarget": target}
    return conf["_unlinked_when_offline"](None, env, node, contnode) == contnode

key = ExampleOrder("examples")
print(json.dumps({
    "nitpicky": conf["nitpicky"],
    "typehints": conf["autodoc_typehints"],
    "order": conf["sphinx_gallery_conf"]["within_subsection_order"],
    "sorted": sorted(["plot_zzz_new.py", *reversed(ORDER)], key=key),
    "order_list": ORDER,
    "offline_sklearn": resolve(offline, "sklearn.pipeline.Pipeline"),
    "offline_builtin": resolve(offline, "int"),
    "online_missing_sklearn": resolve(online, "sklearn.no_such_thing"),
    "offline_own": resolve(offline, "skbce.metrics.binary_cross_entropy"),
}))
"""


@pytest.fixture(scope="module")
def probe():
    pytest.importorskip("sphinx")
    pytest.importorskip("sphinx_gallery")
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_broken_references_are_warnings_and_signatures_have_no_type_hints(probe):
    assert probe["nitpicky"] is True  # with -W, a reference that does not resolve fails
    assert probe["typehints"] == "none"


def test_offline_links_are_plain_text_but_own_and_known_targets_are_checked(probe):
    assert probe["offline_sklearn"] and probe["offline_builtin"]
    # Our own targets, and a target missing from an inventory that was fetched, still warn.
    assert not probe["offline_own"] and not probe["online_missing_sklearn"]


def test_gallery_starts_with_the_quick_start_and_lists_every_example(probe):
    assert probe["order"] == "gallery_order.ExampleOrder"
    assert probe["order_list"][0] == "plot_quickstart.py"
    examples = {path.name for path in (ROOT / "examples").glob("plot_*.py")}
    assert set(probe["order_list"]) <= examples  # no stale name; a new example goes last
    assert probe["sorted"] == [*probe["order_list"], "plot_zzz_new.py"]
