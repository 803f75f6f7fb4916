"""Which attributes of an ARFF file are the labels.

In order: what the caller gives (a count, names, or a Mulan XML file), a
Mulan XML file beside the data (``name.xml`` for ``name.arff`` or
``name-train.arff``), then a MEKA header (``-C N``: the first N attributes,
``-C -N``: the last N). The XML comes before the header because Weka filters
copy a stale ``-C`` into the relation name (the medical set says ``-C 45``,
its labels are the last 45). Every label must be binary; nothing is guessed.
"""

from __future__ import annotations

import numbers
import os
import re
import warnings
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import numpy as np


def read_label_xml(path):
    """Label names, in file order, from a Mulan XML file (``<label name="..."/>``, nested too)."""
    path = Path(path)
    try:
        root = ElementTree.parse(path).getroot()
    except ElementTree.ParseError as error:
        raise ValueError(f"{path.name} is not a Mulan XML label file: {error}") from None
    names = [e.get("name") for e in root.iter() if e.tag.rsplit("}", 1)[-1] == "label"]
    if not names or None in names:
        raise ValueError(
            f"{path.name} is not a Mulan XML label file: it needs <label name=\"...\"/> elements"
        )
    return names


def xml_beside(path):
    """The Mulan XML file of an ARFF file: ``name.xml`` for ``name[-train|-test].arff``."""
    path = Path(path)
    stems = [path.stem, re.sub(r"[-_](train|test)$", "", path.stem, flags=re.I)]
    for stem in dict.fromkeys(stems):
        candidate = path.with_name(f"{stem}.xml")
        if candidate.is_file():
            return candidate
    return None


def meka_count(relation):
    """``-C N`` in a MEKA relation name: N > 0 labels first, N < 0 labels last; else None."""
    match = re.search(r"(?:^|\s)-C\s+(-?\d+)", relation)
    return int(match.group(1)) if match else None


def _non_binary(arff, j):
    """Why attribute ``j`` cannot be a label, or ``None`` if it is binary."""
    attribute = arff.attributes[j]
    if attribute.kind == "nominal":
        if set(attribute.values) == {"0", "1"}:
            return None
        more = ",..." if len(attribute.values) > 6 else ""
        return f"nominal {{{','.join(attribute.values[:6])}{more}}}"
    if attribute.kind == "numeric":
        values = arff.column(j)
        other = values[~np.isin(values, (0.0, 1.0)) & ~np.isnan(values)]
        return None if other.size == 0 else f"numeric, with values such as {other[0]:g}"
    return attribute.kind


def _binary_run(arff, first):
    """How many attributes in a row, from the first (or the last) one, are binary."""
    order = range(len(arff.attributes))
    run = 0
    for j in order if first else reversed(order):
        if _non_binary(arff, j) is not None:
            break
        run += 1
    return run


def _end(first):
    return "first" if first else "last"


def _hint(arff, first):
    """What the file seems to hold, for an error message."""
    n_attributes = len(arff.attributes)
    for side in (first, not first):
        run = _binary_run(arff, side)
        if run == n_attributes:
            return f"all {n_attributes} attributes are binary: only a label count or names can tell"
        if run:
            what = "attribute is" if run == 1 else f"{run} attributes are"
            return (
                f"the {_end(side)} {what} binary: "
                f"the file seems to have {run} label{'s' if run > 1 else ''}"
            )
    return "no attribute at either end is binary"


def _check_binary(arff, columns, source):
    for j in columns:
        reason = _non_binary(arff, j)
        if reason is not None:
            first = columns[0] == 0
            raise ValueError(
                f"{arff.path.name}: label attribute {arff.attributes[j].name!r} ({source}) is "
                f"not binary ({reason}); a label must be nominal {{0,1}} or numeric 0/1. "
                f"In this file {_hint(arff, first)}."
            )


def _by_count(arff, count, first, source):
    n_attributes = len(arff.attributes)
    if isinstance(count, bool) or not 0 < count < n_attributes:
        raise ValueError(
            f"{arff.path.name}: the number of labels must be between 1 and {n_attributes - 1} "
            f"(the file has {n_attributes} attributes), got {count!r}; "
            f"in this file {_hint(arff, first)}."
        )
    columns = list(range(count)) if first else list(range(n_attributes - count, n_attributes))
    _check_binary(arff, columns, source)
    run = _binary_run(arff, first)
    if count < run < n_attributes:
        extra = [arff.attributes[j].name for j in (range(count, run) if first else
                 range(n_attributes - run, n_attributes - count))]
        shown = ", ".join(repr(name) for name in extra[:3]) + (", ..." if len(extra) > 3 else "")
        warnings.warn(
            f"{arff.path.name}: the {_end(first)} {run} attributes are binary but {count} "
            f"{'is' if count == 1 else 'are'} read as labels, so {shown} "
            f"{'is read as a feature' if len(extra) == 1 else 'are read as features'}; "
            f"if they are labels, give {run} labels.",
            UserWarning,
            stacklevel=4,
        )
    return columns


def _by_names(arff, names, source):
    names = list(names)
    if not names or not all(isinstance(name, str) for name in names):
        raise ValueError(f"label names must be a non-empty list of str, got {names!r}")
    if len(set(names)) < len(names):
        raise ValueError(f"{source}: a label name is given twice")
    position = {a.name: j for j, a in enumerate(arff.attributes)}
    unknown = [name for name in names if name not in position]
    if unknown:
        shown = ", ".join(repr(name) for name in unknown[:3])
        more = f" and {len(unknown) - 3} more" if len(unknown) > 3 else ""
        verb = "is not an attribute" if len(unknown) == 1 else "are not attributes"
        raise ValueError(f"{source}: {shown}{more} {verb} of {arff.path.name}")
    if len(names) >= len(arff.attributes):
        raise ValueError(f"{source}: every attribute of {arff.path.name} is a label; no feature")
    columns = [position[name] for name in names]
    _check_binary(arff, columns, source)
    return columns


def _found_in_file(arff):
    """``("xml", names, path)``, ``("meka", count, first)`` or ``None``."""
    xml = xml_beside(arff.path)
    if xml is not None:
        return "xml", read_label_xml(xml), xml
    count = meka_count(arff.relation)
    if count is not None and count != 0:
        return "meka", abs(count), count > 0
    return None


def _side_of(arff, found):
    """Where the labels found in the file are: first (True) or last (False, the default)."""
    if found is None:
        return False
    if found[0] == "meka":
        return found[2]
    position = {a.name: j for j, a in enumerate(arff.attributes)}
    return sorted(position.get(name, -1) for name in found[1]) == list(range(len(found[1])))


def label_columns(arff, labels=None, labels_first=None):
    """The attribute indices of the labels, in label order (see the module docstring)."""
    is_count = isinstance(labels, numbers.Integral) and not isinstance(labels, bool)
    if labels is not None and not is_count and labels_first is not None:
        raise ValueError("labels_first applies to a number of labels, not to label names")
    if isinstance(labels, (str, os.PathLike)):
        return _by_names(arff, read_label_xml(labels), f"the labels of {Path(labels).name}")
    if labels is not None and not is_count:
        if isinstance(labels, bool) or not hasattr(labels, "__iter__"):
            raise ValueError(
                "labels must be a number of labels, a list of label names or the path of a "
                f"Mulan XML file, got {labels!r}"
            )
        return _by_names(arff, labels, "labels")
    found = _found_in_file(arff)
    if is_count:
        first = _side_of(arff, found) if labels_first is None else bool(labels_first)
        return _by_count(arff, int(labels), first, f"one of the {_end(first)} {labels}")
    if found is None:
        raise ValueError(
            f"{arff.path.name} does not say which attributes are labels (no Mulan XML file "
            "beside it, no MEKA '-C' in its @relation): give the number of labels, their "
            f"names or their Mulan XML file; in this file {_hint(arff, bool(labels_first))}."
        )
    kind, value, extra = found
    if labels_first is not None:
        count = len(value) if kind == "xml" else value
        first = bool(labels_first)
        return _by_count(arff, count, first, f"one of the {_end(first)} {count}")
    if kind == "xml":
        return _by_names(arff, value, f"named in {extra.name}")
    return _by_count(arff, value, extra, f"MEKA header '-C {value if extra else -value}'")
