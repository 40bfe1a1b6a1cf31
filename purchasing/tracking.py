"""Tracking links for the well-known carriers; any other carrier's tracking number is shown as plain text."""

from urllib.parse import quote

# The carrier's public tracking page, keyed by the carrier's name as suppliers write it (case and spaces ignored).
TRACKING_PAGES = {
    "ups": "https://www.ups.com/track?tracknum={number}",
    "fedex": "https://www.fedex.com/fedextrack/?trknbr={number}",
    "usps": "https://tools.usps.com/go/TrackConfirmAction?tLabels={number}",
}
# Names suppliers use for the same carriers.
ALIASES = {
    "unitedparcelservice": "ups",
    "federalexpress": "fedex",
    "fedexground": "fedex",
    "fedexexpress": "fedex",
    "unitedstatespostalservice": "usps",
    "upsground": "ups",
}


def tracking_url(*, carrier: str, tracking_number: str) -> str:
    """Return the carrier's tracking page for the number, or "" for a carrier the desk does not know."""
    key = "".join(ch for ch in (carrier or "").lower() if ch.isalnum())
    key = ALIASES.get(key, key)
    page = TRACKING_PAGES.get(key)
    if not page or not tracking_number:
        return ""
    return page.format(number=quote(tracking_number.strip(), safe=""))
