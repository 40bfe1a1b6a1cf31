"""Money waiting, the managers' home page: each figure links to the report rows it sums."""

from decimal import Decimal
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from core.db_router import replica_reads
from core.roles import Role, is_manager
from core.views import role_required
from reports.charts import _money_label, _nice_ceiling
from reports.money_waiting import InvoicedWeek, money_waiting
from reports.views.desk import desk
from reports.welcome import desk_is_new

WIDTH, HEIGHT = 960, 240
LEFT, RIGHT, TOP, BOTTOM = 72, 12, 16, 44
UNPAID_COLOUR = "#b54708"
SETTLED_COLOUR = "#1f5fbf"


def _link(name: str, filters: dict[str, str]) -> str:
    return reverse(name) + ("?" + urlencode(filters) if filters else "")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The product's home page: Money waiting for managers, My desk for everyone else."""
    if is_manager(request.user):
        return money_waiting_page(request)
    return desk(request)


def _fold_empty_weeks(weeks: list[dict]) -> list[dict]:
    """The weekly lines with each run of weeks holding no invoices and nothing unpaid folded into one row."""
    rows: list[dict] = []
    for line in weeks:
        week = line["week"]
        if week.count or week.unpaid_now:
            rows.append(line)
        elif rows and "empty_weeks" in rows[-1]:
            rows[-1]["empty_weeks"] += 1
            rows[-1]["end"] = week.end
        else:
            rows.append({"empty_weeks": 1, "start": week.start, "end": week.end})
    return rows


@role_required(Role.MANAGERS)
@replica_reads
def money_waiting_page(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    figures = money_waiting(today=today)
    blocked = [{"bucket": bucket, "url": _link("backorder-report", bucket.filters)} for bucket in figures.blocked]
    weeks = [
        {
            "week": week,
            "invoiced_url": _link("invoice-report", week.invoiced_filters),
            "unpaid_url": _link("invoice-report", week.unpaid_filters),
        }
        for week in figures.weeks
    ]
    context = {
        "week_rows": _fold_empty_weeks(weeks),
        "nav_section": "money",
        "figures": figures,
        "ready_url": _link("sales-order-list", figures.ready.filters),
        "blocked_url": _link("backorder-report", figures.blocked_filters),
        "unpaid_url": _link("invoice-report", figures.unpaid_filters),
        "blocked": blocked,
        "weeks": weeks,
        "chart": week_chart_svg(figures.weeks),
        # A desk with nothing waiting may be a new one: then the page points to the first-run steps. Asked
        # only then, so that a desk at work pays nothing for it.
        "first_run": not (figures.ready.count or figures.blocked_count or figures.unpaid_count) and desk_is_new(),
    }
    return render(request, "projects/money_waiting.html", context)


def week_chart_svg(weeks: list[InvoicedWeek]) -> SafeString:
    """Draw the amount invoiced per week, the part still unpaid today stacked on the part settled."""
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    ceiling = _nice_ceiling(max((week.invoiced for week in weeks), default=Decimal(0)))
    slot = plot_width / max(len(weeks), 1)
    bar = min(slot * 0.7, 56.0)

    def y(value: Decimal) -> float:
        return TOP + plot_height - float(value / ceiling) * plot_height

    first, last = (date_format(weeks[0].start), date_format(weeks[-1].end)) if weeks else ("", "")
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="week-chart-title" '
        'aria-describedby="week-chart-desc" xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif" '
        'font-size="12">',
        '<title id="week-chart-title">Invoiced per week, and what is still unpaid today</title>',
        f'<desc id="week-chart-desc">The table above in bars: invoice totals with tax per week from {escape(first)} '
        f"to {escape(last)}, the part still unpaid today stacked on the part paid or credited.</desc>",
    ]
    for step in range(5):
        value = ceiling * step / 4
        line_y = y(value)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{line_y:.1f}" y2="{line_y:.1f}" '
            f'stroke="{"#8a94a3" if step == 0 else "#e3e7ed"}" stroke-width="1"/>'
            f'<text x="{LEFT - 8}" y="{line_y + 4:.1f}" text-anchor="end" fill="#5b6675">{_money_label(value)}</text>'
        )
    for index, week in enumerate(weeks):
        x = LEFT + index * slot + (slot - bar) / 2
        settled = week.invoiced - week.unpaid_now
        tip = f"Week of {date_format(week.start)}: invoiced {week.invoiced:,.2f}, unpaid today {week.unpaid_now:,.2f}"
        parts.append(f'<g class="bar" data-week="{week.start.isoformat()}"><title>{escape(tip)}</title>')
        base = Decimal(0)
        for colour, amount in ((SETTLED_COLOUR, settled), (UNPAID_COLOUR, week.unpaid_now)):
            if amount > 0:
                top, bottom = y(base + amount), y(base)
                parts.append(
                    f'<rect x="{x:.1f}" y="{top:.1f}" width="{bar:.1f}" height="{max(bottom - top, 0.5):.1f}" '
                    f'fill="{colour}"/>'
                )
                base += amount
        parts.append("</g>")
        if index % 2 == 0 or index == len(weeks) - 1:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" fill="#5b6675">'
                f"{week.start:%b} {week.start.day}</text>"
            )
    legend_x = LEFT
    for colour, name in ((SETTLED_COLOUR, "Paid or credited"), (UNPAID_COLOUR, "Unpaid today")):
        parts.append(
            f'<rect x="{legend_x}" y="{HEIGHT - 14}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{legend_x + 17}" y="{HEIGHT - 4}" fill="#1d2530">{name}</text>'
        )
        legend_x += 140
    parts.append("</svg>")
    # Every value above is a number, a date or escaped text.
    return mark_safe("".join(parts))  # noqa: S308
