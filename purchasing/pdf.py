"""A purchase order as the PDF the supplier receives."""

from decimal import Decimal

from django.utils import timezone

from core.money import line_amount
from core.pdf import FONT, HEADING_FILL, DeskDocument, display_date, money
from projects.models import CompanySettings
from purchasing.models import PurchaseOrder
from purchasing.selectors import purchase_order_ship_to


def purchase_order_pdf_bytes(purchase_order: PurchaseOrder) -> bytes:
    """Render one purchase order, at cost, to PDF bytes for its supplier."""
    po = purchase_order
    project = po.project
    supplier = po.supplier
    rep = po.production_rep or project.production_rep
    items = list(po.items.select_related("sales_order_item"))

    pdf = DeskDocument(
        label=f"Purchase order {po.number}",
        subject=f"Purchase order {po.number} to {supplier.name}",
        company=CompanySettings.load(),
    )
    pdf.add_page()
    width = pdf.epw

    facts = [
        ("PO number", po.number),
        ("PO date", display_date(timezone.localdate(po.created_at))),
        ("Project", project.number),
        ("Expected date", display_date(po.expected_date) if po.expected_date else "To be confirmed"),
    ]
    if rep is not None:
        facts.append(("Our contact", rep.get_full_name() or rep.username))
        if rep.email:
            facts.append(("Contact email", rep.email))
    pdf.letterhead(title="PURCHASE ORDER", facts=facts)

    # The supplier on the left, where the goods go on the right.
    top = pdf.get_y()
    column = width * 0.47
    supplier_bottom = pdf.address_block(
        heading="Supplier", name=supplier.name, lines=[supplier.email, supplier.phone], x=pdf.l_margin, width=column
    )
    pdf.set_y(top)
    ship_to_bottom = pdf.address_block(
        heading="Ship to",
        name=project.client.name,
        lines=purchase_order_ship_to(purchase_order=po).splitlines(),
        x=pdf.l_margin + width - column,
        width=column,
    )
    pdf.set_y(max(supplier_bottom, ship_to_bottom) + 7)

    col_widths = (width * 0.52, width * 0.12, width * 0.17, width * 0.19)
    total = Decimal("0.00")
    rows = []
    for item in items:
        cost = line_amount(item.quantity, item.sales_order_item.unit_cost)
        total += cost
        rows.append(
            (
                item.sales_order_item.description,
                f"{item.quantity:,}",
                money(item.sales_order_item.unit_cost),
                money(cost),
            )
        )
    pdf.lines_table(headings=("Description", "Qty", "Unit cost", "Cost"), col_widths=col_widths, rows=rows)

    if pdf.will_page_break(6.5 + 4):
        pdf.add_page()
    label_width = col_widths[1] + col_widths[2]
    pdf.set_x(pdf.l_margin + width - label_width - col_widths[3])
    pdf.set_font(FONT, "B", 11)
    pdf.set_fill_color(*HEADING_FILL)
    pdf.cell(label_width, 6.5, "Total", align="R", fill=True)
    pdf.cell(col_widths[3], 6.5, money(total), align="R", fill=True, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)

    if po.expected_date:
        pdf.paragraph(f"Please ship by {display_date(po.expected_date)}.", bold=True)
        pdf.ln(1)
    pdf.paragraph(
        f"Please confirm this order and its expected date by replying to the email it came with, "
        f"and quote {po.number} on your invoice, packing list and every carton."
    )
    return bytes(pdf.output())
