"""A stacked bar chart of invoiced amounts per month, drawn on the server as SVG (nothing to download)."""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from reports.invoice_report import MonthAmounts

WIDTH, HEIGHT = 960, 260
LEFT, RIGHT, TOP, BOTTOM = 72, 12, 16, 44
PARTIAL_COLOUR = "#f79009"
FINAL_COLOUR = "#1f5fbf"


@dataclass(frozen=True)
class Series:
    name: str
    colour: str


SERIES = (Series("Final", FINAL_COLOUR), Series("Partial", PARTIAL_COLOUR))


def _nice_ceiling(value: Decimal) -> Decimal:
    """The smallest 1, 2, 2.5 or 5 × 10^n at or above the value, so the gridlines read well."""
    if value <= 0:
        return Decimal(1)
    magnitude = Decimal(10) ** (len(str(int(value))) - 1)
    for step in (1, 2, Decimal("2.5"), 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _money_label(value: Decimal) -> str:
    """Short axis labels: 750, 2.5k, 10k, 1.2M."""
    for size, suffix in ((1_000_000, "M"), (1_000, "k")):
        if value >= size:
            return f"{value / size:,.1f}".rstrip("0").rstrip(".") + suffix
    return f"{value:,.0f}"


def month_chart_svg(months: list[MonthAmounts], *, title: str = "Invoiced per month") -> SafeString:
    """Draw partial and final amounts stacked, one bar per month, with gridlines and a legend."""
    if not months:
        return mark_safe('<p class="muted chart-empty">No invoices to chart for these filters.</p>')  # noqa: S308
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    ceiling = _nice_ceiling(max(month.total for month in months))
    slot = plot_width / len(months)
    bar = min(max(2.0, slot * 0.7), 56.0)
    # Label every month while they fit, else every few, always including the first.
    label_every = max(1, round(len(months) / 12 + 0.49))

    def y(value: Decimal) -> float:
        return TOP + plot_height - float(value / ceiling) * plot_height

    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="chart-title" '
        'aria-describedby="chart-desc" xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif" '
        'font-size="12">',
        f'<title id="chart-title">{escape(title)}</title>',
        f'<desc id="chart-desc">Invoiced amount per month from {months[0].month:%B %Y} to '
        f"{months[-1].month:%B %Y}, final and partial invoices stacked; void invoices are left out.</desc>",
    ]
    for step in range(5):
        value = ceiling * step / 4
        line_y = y(value)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{line_y:.1f}" y2="{line_y:.1f}" '
            f'stroke="{"#8a94a3" if step == 0 else "#e3e7ed"}" stroke-width="1"/>'
            f'<text x="{LEFT - 8}" y="{line_y + 4:.1f}" text-anchor="end" fill="#5b6675">{_money_label(value)}</text>'
        )
    for index, month in enumerate(months):
        x = LEFT + index * slot + (slot - bar) / 2
        base = Decimal(0)
        tip = f"{month.month:%B %Y}: final {month.final:,.2f}, partial {month.partial:,.2f}, total {month.total:,.2f}"
        parts.append(f'<g class="bar" data-month="{month.month:%Y-%m}"><title>{escape(tip)}</title>')
        for series, amount in ((SERIES[0], month.final), (SERIES[1], month.partial)):
            if amount > 0:
                top, bottom = y(base + amount), y(base)
                parts.append(
                    f'<rect x="{x:.1f}" y="{top:.1f}" width="{bar:.1f}" height="{max(bottom - top, 0.5):.1f}" '
                    f'fill="{series.colour}"/>'
                )
                base += amount
        parts.append("</g>")
        if index % label_every == 0:
            label = f"{month.month:%b}" if month.month.month != 1 and index else f"{month.month:%b %Y}"
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" fill="#5b6675">'
                f"{label}</text>"
            )
    legend_x = LEFT
    for series in SERIES:
        parts.append(
            f'<rect x="{legend_x}" y="{HEIGHT - 14}" width="12" height="12" fill="{series.colour}"/>'
            f'<text x="{legend_x + 17}" y="{HEIGHT - 4}" fill="#1d2530">{series.name}</text>'
        )
        legend_x += 80
    parts.append("</svg>")
    # Every value above is a number, a date or escaped text.
    return mark_safe("".join(parts))  # noqa: S308
