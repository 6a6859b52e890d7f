"""Charts for the governance report, drawn with matplotlib (Agg) and kept as PNG bytes: embedded
in the HTML as data URIs (the report works offline) and written beside it for board papers."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from .funnel import Z95, Z998, limits  # noqa: E402

NHS_BLUE = "#005eb8"
NHS_DARK = "#003087"
GREY = "#768692"
PALETTE = [
    "#005eb8",
    "#009639",
    "#ed8b00",
    "#7c2855",
    "#00a499",
    "#330072",
    "#ffb81c",
    "#da291c",
    "#41b6e6",
    "#006747",
    "#8a1538",
    "#425563",
]


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def trend(monthly: pd.DataFrame, title: str) -> bytes:
    """``monthly``: org_code, period, value. One line per trust, REGION bold."""
    fig, ax = plt.subplots(figsize=(7.5, 3.2))
    orgs = [o for o in sorted(monthly["org_code"].unique()) if o != "REGION"]
    for i, org in enumerate(orgs):
        d = monthly[monthly["org_code"] == org].sort_values("period")
        ax.plot(d["period"], d["value"] * 100, color=PALETTE[i % len(PALETTE)], lw=1, alpha=0.7, label=org)
    region = monthly[monthly["org_code"] == "REGION"].sort_values("period")
    ax.plot(region["period"], region["value"] * 100, color="black", lw=2.5, label="REGION")
    ax.set_ylabel("%")
    ax.set_ylim(0, 100)
    ax.set_title(title, fontsize=10, loc="left")
    ax.tick_params(axis="x", labelrotation=45, labelsize=7)
    ax.legend(fontsize=6, ncol=7, loc="upper center", bbox_to_anchor=(0.5, -0.35), frameon=False)
    ax.grid(axis="y", alpha=0.3)
    return _png(fig)


def funnel(points: pd.DataFrame, p0: float, title: str) -> bytes:
    """``points``: org_code, numerator, denominator (one quarter). Limits around ``p0``."""
    fig, ax = plt.subplots(figsize=(6, 3.6))
    n_max = max(float(points["denominator"].max()), 10.0) * 1.1
    n = np.linspace(1, n_max, 300)
    for z, style, label in ((Z95, "--", "95% limits"), (Z998, ":", "99.8% limits")):
        lo, hi = limits(p0, n, z)
        ax.plot(n, lo * 100, style, color=GREY, lw=1, label=label)
        ax.plot(n, hi * 100, style, color=GREY, lw=1)
    ax.axhline(p0 * 100, color=NHS_DARK, lw=1, label=f"region {p0:.0%}")
    p = points["numerator"] / points["denominator"]
    ax.scatter(points["denominator"], p * 100, color=NHS_BLUE, zorder=3)
    for org, x, y in zip(points["org_code"], points["denominator"], p * 100):
        ax.annotate(org, (x, y), fontsize=7, xytext=(3, 3), textcoords="offset points")
    ax.set_xlabel("denominator")
    ax.set_ylabel("%")
    ax.set_ylim(0, 105)
    ax.set_title(title, fontsize=10, loc="left")
    ax.legend(fontsize=7, loc="lower right")
    return _png(fig)


def bars(table: pd.DataFrame, title: str, stacked: bool = False, horizontal: bool = False) -> bytes:
    """A bar chart of a small pivot table (index on the axis, one series per column)."""
    fig, ax = plt.subplots(figsize=(6.5, 3.2))
    table.plot(
        kind="barh" if horizontal else "bar", stacked=stacked, ax=ax, color=PALETTE[: len(table.columns)], width=0.8
    )
    ax.set_title(title, fontsize=10, loc="left")
    ax.tick_params(labelsize=8)
    ax.legend(fontsize=7, frameon=False)
    ax.set_xlabel("")
    return _png(fig)


def histogram(values: pd.Series, title: str, xlabel: str) -> bytes:
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.hist(values.dropna(), bins=list(np.arange(20, 82, 2.5)), color=NHS_BLUE, edgecolor="white")
    ax.axvline(50, color=NHS_DARK, ls="--", lw=1)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("referral-months")
    ax.set_title(title, fontsize=10, loc="left")
    return _png(fig)
