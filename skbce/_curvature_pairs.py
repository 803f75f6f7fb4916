"""L-BFGS correction pairs carried from one solve of a regularization path to the next.

A warm start along the path puts the next solve close to its solution, but
an L-BFGS that starts without correction pairs has no curvature model: its
first steps are scaled gradient steps, and near the weak strengths, where
the loss's curvature is far from the change of variables' estimate, it
takes as many iterations to rebuild the model as a fit from scratch. The
linear model's pairs stay valid from one strength to the next up to the
penalty's change, which is exact to add: ``y = H s`` gains
``(lambda_new - lambda_old) s`` on the weights.

The change of variables is rebuilt for every solve (its scale follows the
penalty and the curvature at the start), so the pairs are kept in the map's
unscaled coordinates. The full covariance map and the centred diagonal map
of the same rows differ from one solve to the next by a scale per
parameter only: ``u = v / scale`` for the pair's step ``v`` in unscaled
coordinates, and its gradient change ``scale * w``. The low-rank map
rescales its directions per output and is not carried.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._lbfgs import _History, rotate_ring
from ._preconditioner import CentredScaling, CovariancePreconditioner


@dataclass
class CurvaturePairs:
    """The linear model's last correction pairs, in a change of variables' unscaled coordinates.

    Attributes
    ----------
    s, y : ndarray of shape (m, n_features + 1, n_outputs)
        The ring of steps and gradient changes; each output's column (its
        weights, then its intercept) is its own recursion.
    used : ndarray of shape (m, n_outputs) of bool
        The slots holding a pair each output uses.
    newest : ndarray of shape (n_outputs,) of int
        Each output's newest slot of the ring (they differ where an output
        was left at its solution while the others went on).
    strength : ndarray of shape (n_outputs,)
        The penalty each output's gradient changes were measured under.
    mean : ndarray of shape (n_features,)
        The map's feature means.
    basis : ndarray of shape (n_features, n_features) or None
        The full covariance map's basis; ``None`` for the diagonal map.
    """

    s: np.ndarray
    y: np.ndarray
    used: np.ndarray
    newest: np.ndarray
    strength: np.ndarray
    mean: np.ndarray
    basis: np.ndarray | None

    def fits(self, basis, mean):
        """Whether the pairs are in the unscaled coordinates of a map of this basis and mean."""
        return self.s is not None and basis is self.basis and np.array_equal(mean, self.mean)


def _unscaled(change, outputs, every):
    """``(scale, penalty_diagonal, basis)`` of a map that pairs carry across, or ``None``.

    ``scale`` (n_features + 1, len(outputs)) is the scale of each parameter
    of the outputs ``outputs`` (``every``: all of them), the intercepts'
    last; ``penalty_diagonal`` (n_features,) the penalty's Hessian per unit
    of strength in unscaled coordinates (the covariance map's: exact when
    its basis is orthogonal, its diagonal otherwise; 1 for the diagonal map).
    """
    if isinstance(change, CovariancePreconditioner):
        weights, basis = change.coef_scale, change.basis
        penalty_diagonal = change.penalty_diagonal
    elif isinstance(change, CentredScaling) and change.layout.n_layers == 1:
        n_features, n_outputs = change.layout.layer_sizes
        weights = np.broadcast_to(change.coef_scale, (n_features, n_outputs))
        basis, penalty_diagonal = None, np.ones(n_features)
    else:
        return None
    intercepts = np.broadcast_to(change.intercept_scale, (weights.shape[1],))
    if not every:
        weights, intercepts = weights[:, outputs], intercepts[outputs]
    return np.vstack([weights, intercepts]), penalty_diagonal, basis


def _align(s, y, used, newest):
    """Turn each column's pairs so that its newest is in one slot; return that slot.

    ``newest`` (one slot per column) differs where a column was left out of
    the solves since its last pairs; the common slot is the most frequent.
    """
    common = int(np.bincount(newest).argmax())
    for slot in np.unique(newest):
        if slot != common:
            rotate_ring(common - slot, np.flatnonzero(newest == slot), s, y, used)
    return common


def carried_history(pairs, change, strength, outputs, m):
    """An L-BFGS history for the outputs ``outputs`` (indices) from ``pairs``, or ``None``.

    ``change`` is the new solve's map (of all outputs) and ``strength`` its
    penalty per output. With every output, the history takes ``pairs``'s
    arrays over (``pairs`` is spent); otherwise the work is that of the
    outputs ``outputs``. ``None`` when the map is not one the pairs carry
    across (another kind, or other rows).
    """
    if pairs is None:
        return None
    every = len(outputs) == strength.size
    unscaled = _unscaled(change, outputs, every)
    if unscaled is None:
        return None
    scale, penalty_diagonal, basis = unscaled
    if not pairs.fits(basis, change.mean) or pairs.s.shape[:2] != (m, scale.shape[0]):
        return None
    if every:
        s, y, used, newest = pairs.s, pairs.y, pairs.used, pairs.newest
        shift = strength - pairs.strength
        pairs.s = pairs.y = None
    else:
        s, y = np.take(pairs.s, outputs, axis=2), np.take(pairs.y, outputs, axis=2)
        used, newest = pairs.used[:, outputs], pairs.newest[outputs]
        shift = strength[outputs] - pairs.strength[outputs]
    common = _align(s, y, used, newest)
    history = _History(scale.size, m, len(outputs))
    if shift.any():
        # y = (H_loss + lambda P) s: the new penalty's part, on the weights
        # only, a slot at a time in the history's buffer.
        buffer = history._buffer[:-1]
        for slot in range(m):
            np.multiply(s[slot, :-1], penalty_diagonal[:, None], out=buffer)
            buffer *= shift
            y[slot, :-1] += buffer
    s /= scale
    y *= scale
    history.adopt(s, y, used, common)
    return history


def kept_pairs(history, change, strength, outputs, previous):
    """The pairs to carry on from a solve whose history started with the outputs ``outputs``.

    ``change`` is that solve's map (of all outputs), ``strength`` its
    penalty per output; the other outputs (left at a previous solution)
    keep ``previous``'s pairs, whose arrays are updated in place: the work
    is that of the outputs ``outputs``. ``None`` when the map does not carry
    pairs, or ``previous`` is needed and does not fit.
    """
    every = len(outputs) == strength.size
    unscaled = _unscaled(change, outputs, every)
    if unscaled is None:
        return None
    scale, _, basis = unscaled
    s, y, used, newest = history.pairs()
    s *= scale
    y /= scale
    if every:
        return CurvaturePairs(s=s, y=y, used=used, newest=newest,
                              strength=strength.copy(), mean=change.mean, basis=basis)
    if (previous is None or not previous.fits(basis, change.mean)
            or previous.s.shape[2] != strength.size):
        return None
    previous.s[:, :, outputs], previous.y[:, :, outputs] = s, y
    previous.used[:, outputs] = used
    previous.newest[outputs] = newest
    previous.strength[outputs] = strength[outputs]
    return CurvaturePairs(s=previous.s, y=previous.y, used=previous.used,
                          newest=previous.newest, strength=previous.strength,
                          mean=change.mean, basis=basis)
