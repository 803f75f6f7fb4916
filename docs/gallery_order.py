"""The order of the examples gallery: the quick start first, then basics to advanced.

``sphinx_gallery_conf["within_subsection_order"]`` in conf.py names
:class:`ExampleOrder`; an example missing from ``ORDER`` goes last, by file name.
"""

ORDER = [
    "plot_quickstart.py",
    "plot_compare_baselines.py",
    "plot_bce_vs_mse.py",
    "plot_soft_labels.py",
    "plot_grid_search.py",
    "plot_threshold_tuning.py",
    "plot_music_tagging.py",
]


class ExampleOrder:
    """Sort key of sphinx-gallery: the position of a file name in ``ORDER``."""

    def __init__(self, src_dir=""):
        self.src_dir = src_dir

    def __call__(self, filename):
        if filename in ORDER:
            return ORDER.index(filename), ""
        return len(ORDER), filename

    def __repr__(self):  # sphinx-gallery compares configurations by repr
        return f"<{type(self).__name__}>"
