"""The chart of `make bench`: requests/s per endpoint, twins side by side, baseline marked."""

import matplotlib

matplotlib.use("Agg")  # files only: no display needed

import matplotlib.pyplot as plt

STYLE = {
    "baseline": {"color": "#b0b0b0", "hatch": "//", "label": "bare WSGI baseline"},
    "flask": {"color": "#3b7bbf", "hatch": "", "label": "Flask twin"},
    "django": {"color": "#0c4b33", "hatch": "", "label": "Django twin"},
}
BAR_WIDTH = 0.27


def draw_chart(report, path):
    """Save a grouped bar chart of the report's median requests/s to path (PNG)."""
    endpoints = report["endpoints"]
    figure, axes = plt.subplots(figsize=(10, 5.5), dpi=110)
    labelled = set()
    for position, row in enumerate(endpoints.values()):
        names = [name for name in STYLE if name in row]
        for number, name in enumerate(names):
            x = position + (number - (len(names) - 1) / 2) * BAR_WIDTH
            rps = row[name]["rps"]
            style = STYLE[name]
            label = style["label"] if name not in labelled else None
            labelled.add(name)
            axes.bar(
                x,
                rps,
                BAR_WIDTH,
                color=style["color"],
                hatch=style["hatch"],
                edgecolor="#404040",
                linewidth=0.6,
                label=label,
            )
            axes.annotate(
                f"{rps:.0f}",
                (x, rps),
                ha="center",
                va="bottom",
                fontsize=8,
                xytext=(0, 2),
                textcoords="offset points",
            )
    axes.set_xticks(range(len(endpoints)), list(endpoints), fontsize=9)
    axes.set_ylabel("requests/s (median)")
    axes.set_title(
        f"{report['server']}: median of {report['repeats']} x {report['duration_s']} s",
        fontsize=10,
    )
    axes.spines[["top", "right"]].set_visible(False)
    axes.legend(frameon=False, fontsize=9)
    ceiling = endpoints.get("GET /api/data", {}).get("nginx")
    if ceiling:
        figure.text(
            0.01,
            0.01,
            f"Machine ceiling (nginx static `return 200`, same CPUs): "
            f"{ceiling['rps']:.0f} req/s, not drawn to scale.",
            fontsize=8,
        )
    figure.tight_layout(rect=(0, 0.03, 1, 1))
    figure.savefig(path)
    plt.close(figure)
