"""The benches' charts: requests/s per endpoint (`make bench`), µs by layer (`make bench-micro`)."""

import matplotlib

matplotlib.use("Agg")  # files only: no display needed

import matplotlib.pyplot as plt

TWINS = {"flask": "#3b7bbf", "django": "#0c4b33"}
TARGETS = {"baseline": "#b0b0b0", **TWINS}
LAYER_COLOURS = {
    "framework": "#4c72b0",
    "middleware": "#8172b2",
    "orm": "#c44e52",
    "driver": "#dd8452",
    "json": "#55a868",
    "templates": "#ccb974",
    "project": "#64b5cd",
    "other": "#b0b0b0",
}


def finish(figure, axes, ylabel, title, path):
    """Label, tidy and save a chart."""
    axes.set_ylabel(ylabel)
    axes.set_title(title, fontsize=10)
    axes.spines[["top", "right"]].set_visible(False)
    axes.legend(frameon=False, fontsize=8)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def draw_chart(report, path):
    """Grouped bars of the median requests/s per endpoint: baseline, Flask, Django."""
    figure, axes = plt.subplots(figsize=(10, 5.5), dpi=110)
    for position, row in enumerate(report["endpoints"].values()):
        names = [name for name in TARGETS if name in row]
        for number, name in enumerate(names):
            x = position + (number - (len(names) - 1) / 2) * 0.27
            label = name if position == 0 else None
            axes.bar(x, row[name]["rps"], 0.27, color=TARGETS[name], label=label)
            axes.annotate(
                f"{row[name]['rps']:.0f}",
                (x, row[name]["rps"]),
                ha="center",
                va="bottom",
                fontsize=8,
                xytext=(0, 2),
                textcoords="offset points",
            )
    axes.set_xticks(range(len(report["endpoints"])), list(report["endpoints"]), fontsize=9)
    title = f"{report['server']}: median of {report['repeats']} x {report['duration_s']} s"
    finish(figure, axes, "requests/s (median)", title, path)


def draw_micro_chart(results, endpoints, layers, path):
    """Stacked bars of µs per request by layer, Flask and Django side by side per endpoint."""
    figure, axes = plt.subplots(figsize=(10, 5.5), dpi=110)
    for position, endpoint in enumerate(endpoints):
        for number, twin in enumerate(TWINS):
            row, x, bottom = results[twin][endpoint], position + (number - 0.5) * 0.38, 0
            for layer in layers:
                height = row["us"] * row["layers"][layer]
                label = layer if position == 0 and number == 0 else None
                axes.bar(
                    x,
                    height,
                    0.36,
                    bottom=bottom,
                    color=LAYER_COLOURS[layer],
                    label=label,
                    edgecolor="white",
                    linewidth=0.4,
                )
                bottom += height
            axes.annotate(
                twin,
                (x, bottom),
                ha="center",
                va="bottom",
                fontsize=7,
                xytext=(0, 2),
                textcoords="offset points",
            )
    axes.set_xticks(range(len(endpoints)), endpoints, fontsize=9)
    title = "In process, per request: where the time goes (cProfile shares of the best round)"
    finish(figure, axes, "µs per request", title, path)
