"""The L2 penalty on the weights, one strength per output or one for all.

A penalty object is applied in one place, the objective, and read by the
solver's changes of variables (its curvature). Intercepts are never
penalized. With one strength per output, output ``k``'s column of the last
layer's weights gets ``lambda_k``; the hidden layers of an MLP, which every
output shares, get the mean strength.
"""

import numpy as np


class L2Penalty:
    r"""``(1/2) sum_l sum_k lambda_{lk} ||W_l[:, k]||^2`` over the weight matrices.

    Parameters
    ----------
    layout : ParameterLayout
        Where the weights sit in the flat parameter vector.
    strength : float or ndarray of shape (n_outputs,)
        ``lambda``: one value, or one per output (column of the last layer).
    """

    def __init__(self, layout, strength):
        self.layout = layout
        n_outputs = layout.layer_sizes[-1]
        strength = np.asarray(strength, dtype=np.float64)
        if strength.ndim == 0:
            strength = np.full(n_outputs, float(strength))
        if strength.shape != (n_outputs,):
            raise ValueError(
                f"The penalty needs one strength or one per output ({n_outputs}); "
                f"got shape {strength.shape}."
            )
        self.output_strength = strength
        # Uniform strengths multiply whole matrices: no per-column broadcast.
        self._uniform = bool(np.all(strength == strength[0]))
        self.hidden_strength = float(strength.mean())

    def for_outputs(self, layout, outputs):
        """The penalty of the linear model's outputs ``outputs`` (indices), on ``layout``."""
        return L2Penalty(layout, self.output_strength[outputs])

    @property
    def is_zero(self):
        """Whether every strength is 0."""
        return not self.output_strength.any()

    def _layer_strengths(self):
        """The strength of each layer: a float, or a row of per-column values for the last."""
        n_layers = self.layout.n_layers
        last = self.output_strength[0] if self._uniform else self.output_strength
        return [self.hidden_strength] * (n_layers - 1) + [last]

    def value(self, coefs):
        """Return the penalty of the weight matrices ``coefs``."""
        total = 0.0
        for coef, strength in zip(coefs, self._layer_strengths()):
            if np.ndim(strength) == 0:
                total += 0.5 * float(strength) * float(np.vdot(coef, coef))
            else:
                total += 0.5 * float(np.square(coef, dtype=np.float64).sum(axis=0) @ strength)
        return total

    def output_values(self, coef):
        """Each output's penalty ``(1/2) lambda_k ||W[:, k]||^2`` of the linear model's ``coef``."""
        return 0.5 * self.output_strength * np.einsum("ij,ij->j", coef, coef)

    def add_gradient(self, coefs, grad_coefs):
        """Add the penalty's gradient to ``grad_coefs`` (views into the gradient), in place."""
        for coef, grad_coef, strength in zip(coefs, grad_coefs, self._layer_strengths()):
            if np.ndim(strength) == 0:
                if strength:
                    grad_coef += strength * coef
            else:
                grad_coef += strength * coef

    def loss_gradient(self, theta, value, gradient):
        """Add the penalty at ``theta`` to a loss ``value`` and its ``gradient`` (in place).

        Returns
        -------
        float
            ``value`` plus the penalty.
        """
        if self.is_zero:
            return value
        coefs, _ = self.layout.unpack(theta)
        grad_coefs, _ = self.layout.unpack(gradient)
        self.add_gradient(coefs, grad_coefs)
        return value + self.value(coefs)

    def diagonal(self):
        """Return the penalty's Hessian, a diagonal, as a flat vector (0 on intercepts).

        Returns
        -------
        ndarray of shape (n_params,)
        """
        diagonal = np.zeros(self.layout.n_params)
        coefs, _ = self.layout.unpack(diagonal)
        for coef, strength in zip(coefs, self._layer_strengths()):
            coef[...] = strength
        return diagonal

    def hessp(self, vector, out):
        """Add the penalty's Hessian times ``vector`` to ``out`` (flat vectors), in place."""
        coefs, _ = self.layout.unpack(vector)
        out_coefs, _ = self.layout.unpack(out)
        self.add_gradient(coefs, out_coefs)
        return out
