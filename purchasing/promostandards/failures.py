"""What the supplier's page says when asking its order status service failed: a short category, nothing more.

Every signed-in role reads the supplier's page, and whatever answered at the address (its HTTP
status, the first element of its XML, whether a port was open at all) would tell them about
machines they cannot see otherwise. So the page says which kind of failure it was, in words a
person can act on, and the detail goes to the log only.
"""

DID_NOT_ANSWER = "The service did not answer."
NOT_THE_SERVICE = "The service answered something that is not the order status service."
REFUSED_CREDENTIALS = "The service refused the credentials: check the user id and the password."
SERVICE_ERROR = "The service answered with an error."
UNUSABLE_ANSWER = "The service answered with an order status the desk cannot use."
NOT_THE_SHIPMENT_SERVICE = "The service answered something that is not the shipment notification service."
UNUSABLE_SHIPMENTS = "The service answered with shipments the desk cannot use."
NOT_THE_INVENTORY_SERVICE = "The service answered something that is not the inventory service."
UNUSABLE_INVENTORY = "The service answered with stock levels the desk cannot use."
ADDRESS_NOT_ALLOWED = (
    "The address is not allowed: the desk calls suppliers' services over https, at public addresses only."
)
REDIRECTED = "The service sent the desk to another address, which the desk does not follow."
CERTIFICATE_REFUSED = "The service's https certificate could not be verified."
CREDENTIALS_MISSING = "No password is stored: a Manager enters it on the supplier's edit page."
CREDENTIALS_UNREADABLE = (
    "The stored password cannot be decrypted with the current FIELD_ENCRYPTION_KEY. "
    "Enter the password again on the supplier's page."
)
# An error stored in other words (by an earlier version of the desk) is not repeated on the page.
UNKNOWN = "The last check failed."

CATEGORIES = frozenset(
    {
        DID_NOT_ANSWER,
        NOT_THE_SERVICE,
        REFUSED_CREDENTIALS,
        SERVICE_ERROR,
        UNUSABLE_ANSWER,
        NOT_THE_SHIPMENT_SERVICE,
        UNUSABLE_SHIPMENTS,
        NOT_THE_INVENTORY_SERVICE,
        UNUSABLE_INVENTORY,
        ADDRESS_NOT_ALLOWED,
        REDIRECTED,
        CERTIFICATE_REFUSED,
        CREDENTIALS_MISSING,
        CREDENTIALS_UNREADABLE,
    }
)


def failure_shown(stored: str) -> str:
    """Return what the supplier's page may say about a stored service error: its category only."""
    if not stored:
        return ""
    return stored if stored in CATEGORIES else UNKNOWN
