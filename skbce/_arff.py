"""ARFF parsing: the header's attributes and the data rows, as raw codes.

A numeric value is kept as its float and a nominal value as the index of its
declared value, so a value left out of a sparse row (0, which Weka reads as
the first declared value) needs no special case. ``?`` is NaN. String
attributes are parsed but hold no values. Which attributes are labels and
how each becomes columns of ``X`` is decided elsewhere
(:mod:`skbce._arff_labels`, :func:`skbce.datasets.load_arff`).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
from scipy import sparse

_NUMERIC_TYPES = ("numeric", "real", "integer")


@dataclass(frozen=True)
class Attribute:
    """One ``@attribute`` line: its name, kind and, if nominal, its declared values."""

    name: str
    kind: str  # "numeric", "nominal" or "string"
    values: tuple[str, ...] = ()
    line: int = 0
    index: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    @property
    def is_zero_one(self):
        """A nominal attribute declared ``{0,1}`` (in this order): its codes are its values."""
        return self.values == ("0", "1")


@dataclass
class ArffFile:
    """A parsed ARFF file: relation name, attributes, and the rows as raw codes."""

    path: Path
    relation: str
    attributes: list[Attribute]
    codes: sparse.csr_matrix  # (n_rows, n_attributes), float64
    lines: np.ndarray  # the file line of each data row
    rows: list[str]  # the text of each data row, to quote a bad value
    is_sparse: bool

    @cached_property
    def columns(self):
        """The raw codes in CSC format, for column-wise reading."""
        return self.codes.tocsc()

    def column(self, j):
        """The raw codes of attribute ``j`` as a dense vector."""
        columns = self.columns
        start, end = columns.indptr[j], columns.indptr[j + 1]
        values = np.zeros(columns.shape[0])
        values[columns.indices[start:end]] = columns.data[start:end]
        return values

    def where(self, row):
        """``"<file>, line <n>"`` for a data row, the start of an error message."""
        return f"{self.path.name}, line {self.lines[row]}"


def _unquote(token):
    """Strip one pair of matching quotes and undo backslash escapes inside."""
    if len(token) >= 2 and token[0] in "'\"" and token[-1] == token[0]:
        return re.sub(r"\\(.)", r"\1", token[1:-1])
    return token


def split_values(text):
    """Split ``a, 'b, c', "d"`` on the commas outside quotes; tokens are stripped, unquoted."""
    if "'" not in text and '"' not in text:
        return [token.strip() for token in text.split(",")]
    tokens, start, quote, i = [], 0, None, 0
    while i < len(text):
        char = text[i]
        if char == "\\" and quote:
            i += 1
        elif quote and char == quote:
            quote = None
        elif not quote and char in "'\"":
            quote = char
        elif not quote and char == ",":
            tokens.append(text[start:i])
            start = i + 1
        i += 1
    if quote:
        raise ValueError(f"unclosed quote {quote} in {text[:60]!r}")
    tokens.append(text[start:])
    return [_unquote(token.strip()) for token in tokens]


def _split_name(rest):
    """``'a b' {0,1}`` -> ``("a b", "{0,1}")``: a quoted or bare name, then the type."""
    if rest[:1] in ("'", '"'):
        match = re.match(r"""('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")""", rest)
        if not match:
            raise ValueError("the attribute name's quote is not closed")
        return _unquote(match.group(1)), rest[match.end() :].strip()
    match = re.match(r"([^\s{]+)\s*(.*)$", rest)
    if not match:
        raise ValueError("the attribute has no name")
    return match.group(1), match.group(2).strip()


def _parse_attribute(rest, line):
    name, kind = _split_name(rest)
    lower = kind.lower()
    if lower in _NUMERIC_TYPES:
        return Attribute(name, "numeric", line=line)
    if lower == "string":
        return Attribute(name, "string", line=line)
    if lower.startswith("date"):
        raise ValueError(
            f"attribute {name!r} is a date; dates are not read: convert it to a number "
            "(e.g. days since a fixed day) or remove it"
        )
    if lower.startswith("relational"):
        raise ValueError(f"attribute {name!r} is relational (multi-instance), which is not read")
    if kind.startswith("{") and kind.endswith("}"):
        values = tuple(split_values(kind[1:-1]))
        if not values or "" in values:
            raise ValueError(f"attribute {name!r} declares an empty nominal value")
        if len(set(values)) < len(values):
            raise ValueError(f"attribute {name!r} declares a nominal value twice")
        index = {value: i for i, value in enumerate(values)}
        return Attribute(name, "nominal", values, line, index)
    raise ValueError(f"attribute {name!r} has an unknown type {kind!r}")


def _read_header(handle, path):
    """Read up to ``@data``; return the relation, the attributes and the next line number."""
    relation, attributes, names = "", [], set()
    number = 0
    for number, raw in enumerate(handle, start=1):
        line = raw.strip()
        if not line or line.startswith("%"):
            continue
        keyword = line.split(None, 1)[0].lower()
        rest = line[len(keyword) :].strip()
        try:
            if keyword == "@relation":
                relation = _unquote(rest)
            elif keyword == "@attribute":
                attribute = _parse_attribute(rest, number)
                if attribute.name in names:
                    raise ValueError(f"attribute {attribute.name!r} is declared twice")
                names.add(attribute.name)
                attributes.append(attribute)
            elif keyword == "@data":
                if not attributes:
                    raise ValueError("@data comes before any @attribute")
                return relation, attributes, number
            elif not attributes and not relation:
                raise ValueError(f"expected @relation, found {line[:40]!r}: not an ARFF file")
            else:
                raise ValueError(f"expected @attribute or @data, found {line[:40]!r}")
        except ValueError as error:
            raise ValueError(f"{path.name}, line {number}: {error}") from None
    raise ValueError(f"{path.name} is not an ARFF file: it has no @data section")


def _converter(attribute):
    """Token -> raw code for one attribute, ``None`` for a string attribute."""
    if attribute.kind == "numeric":
        return lambda token: np.nan if token == "?" else float(_unquote(token))
    if attribute.kind == "nominal":
        index = attribute.index

        def nominal(token):
            token = _unquote(token)
            if token == "?":
                return np.nan
            try:
                return index[token]
            except KeyError:
                raise ValueError(token) from None

        return nominal
    return None


def _bad_value(arff_path, number, token, attribute):
    if attribute.kind == "nominal":
        allowed = ",".join(attribute.values[:10]) + (",..." if len(attribute.values) > 10 else "")
        what = f"not one of the values {{{allowed}}} of nominal attribute {attribute.name!r}"
    else:
        what = f"not a number, for numeric attribute {attribute.name!r}"
    return ValueError(f"{arff_path.name}, line {number}: {token!r} is {what}")


class _RowParser:
    """Dense and sparse data rows -> the entries of a CSR matrix of raw codes."""

    def __init__(self, path, attributes):
        self.path, self.attributes = path, attributes
        self.converters = [_converter(a) for a in attributes]
        # Rows of only numbers and {0,1} nominals are read with float() in one go.
        self.all_float = all(
            a.kind == "numeric" or (a.kind == "nominal" and a.is_zero_one) for a in attributes
        )
        self.data, self.indices, self.indptr = [], [], [0]

    def add(self, line, number):
        if line.startswith("{"):
            if not line.endswith("}"):
                raise ValueError(f"{self.path.name}, line {number}: a sparse row must end with }}")
            self._add_sparse(line[1:-1], number)
        else:
            self._add_dense(line, number)
        self.indptr.append(len(self.indices))

    def _add_dense(self, line, number):
        tokens = split_values(line)
        n_attributes = len(self.attributes)
        if len(tokens) != n_attributes:
            raise ValueError(
                f"{self.path.name}, line {number}: {len(tokens)} values for "
                f"{n_attributes} attributes"
            )
        values = None
        if self.all_float:
            try:
                values = [float(token) for token in tokens]
            except ValueError:
                values = None  # a '?' or a bad value: the slow path says which
        if values is None:
            values = [self._convert(j, token, number) for j, token in enumerate(tokens)]
        for j, value in enumerate(values):
            if value is not None and value != 0:
                self.indices.append(j)
                self.data.append(value)

    def _add_sparse(self, body, number):
        if not body.strip():
            return
        pairs = [pair.partition(" ") for pair in split_values(body)]
        try:
            indices = [int(index) for index, _, _ in pairs]
        except ValueError:
            bad = next(p for p in pairs if not p[0].lstrip("-").isdigit())
            raise ValueError(
                f"{self.path.name}, line {number}: {''.join(bad)!r} is not 'index value'"
            ) from None
        if min(indices) < 0 or max(indices) >= len(self.attributes):
            j = next(j for j in indices if not 0 <= j < len(self.attributes))
            raise ValueError(
                f"{self.path.name}, line {number}: attribute index {j} is out of range "
                f"0..{len(self.attributes) - 1}"
            )
        values = None
        if self.all_float:
            try:
                values = [float(token) for _, _, token in pairs]
            except ValueError:
                values = None  # a '?' or a bad value: the slow path says which
        if values is None:
            values = [self._convert(j, p[2].strip(), number) for j, p in zip(indices, pairs)]
        entries = sorted(
            (j, value) for j, value in zip(indices, values) if value is not None and value != 0
        )
        if any(a[0] == b[0] for a, b in itertools.pairwise(entries)):
            raise ValueError(f"{self.path.name}, line {number}: an attribute index is repeated")
        self.indices.extend(j for j, _ in entries)
        self.data.extend(value for _, value in entries)

    def _convert(self, j, token, number):
        convert = self.converters[j]
        if convert is None:
            return None
        try:
            return convert(token)
        except ValueError:
            raise _bad_value(self.path, number, token, self.attributes[j]) from None

    def matrix(self):
        shape = (len(self.indptr) - 1, len(self.attributes))
        return sparse.csr_matrix(
            (np.asarray(self.data, dtype=np.float64), np.asarray(self.indices, dtype=np.int64),
             np.asarray(self.indptr, dtype=np.int64)),
            shape=shape,
        )


def _check_zero_one_nominals(arff):
    """The float() fast path let any number through for a {0,1} nominal: refuse the others."""
    columns = [j for j, a in enumerate(arff.attributes) if a.kind == "nominal" and a.is_zero_one]
    if not columns:
        return
    codes = arff.codes
    is_column = np.zeros(codes.shape[1], dtype=bool)
    is_column[columns] = True
    bad = is_column[codes.indices] & ~np.isin(codes.data, (0.0, 1.0)) & ~np.isnan(codes.data)
    if bad.any():
        entry = np.flatnonzero(bad)[0]
        row = np.searchsorted(codes.indptr, entry, side="right") - 1
        attribute = arff.attributes[codes.indices[entry]]
        token = split_values(arff.rows[row])[codes.indices[entry]]
        raise _bad_value(arff.path, arff.lines[row], token, attribute)


def read_arff(path):
    """Parse an ARFF file into an :class:`ArffFile`; ``ValueError`` with a line number if bad."""
    path = Path(path)
    with open(path, encoding="utf-8-sig", errors="replace") as handle:
        relation, attributes, number = _read_header(handle, path)
        parser = _RowParser(path, attributes)
        lines, rows, is_sparse = [], [], False
        for number, raw in enumerate(handle, start=number + 1):  # noqa: B020
            line = raw.strip()
            if not line or line.startswith("%"):
                continue
            is_sparse = is_sparse or line.startswith("{")
            try:
                parser.add(line, number)
            except ValueError as error:
                message = str(error)
                if not message.startswith(path.name):
                    message = f"{path.name}, line {number}: {message}"
                raise ValueError(message) from None
            lines.append(number)
            rows.append(line)
    if not rows:
        raise ValueError(f"{path.name} has no data rows")
    arff = ArffFile(path, relation, attributes, parser.matrix(), np.asarray(lines), rows, is_sparse)
    _check_zero_one_nominals(arff)
    return arff
