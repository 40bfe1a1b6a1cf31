"""Ask a supplier's Order Status Service (PromoStandards 1.0.0) for the status of our purchase orders.

The SOAP side is zeep's, from the WSDL beside this file; the supplier's URL replaces its address.
The HTTP side is transport.SupplierSession: https to public addresses only, checked when connecting.
Whatever goes wrong on the way (an address the desk does not call, nobody listening, no answer
within the timeout, a page that is not XML, a SOAP fault, a shape the WSDL does not allow, an
errorMessage) comes out as one OrderStatusServiceError: its text is a short category from
failures.py, for the supplier's page, and its `detail` says what happened, for the log only.
Nothing else escapes from here.
"""

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import requests
from lxml import etree
from zeep import Client, Settings
from zeep.exceptions import Error as ZeepError
from zeep.exceptions import Fault, TransportError
from zeep.transports import Transport

from core.encryption import SecretUnreadable, decrypt_secret
from purchasing.promostandards import failures
from purchasing.promostandards.addresses import AddressNotAllowed, url_problem
from purchasing.promostandards.statuses import CREDENTIALS_REFUSED, PO_SEARCH, REFERENCE_NUMBER_NOT_FOUND
from purchasing.promostandards.transport import RedirectRefused, SupplierSession

WSDL_PATH = Path(__file__).with_name("order_status.wsdl")
WS_VERSION = "1.0.0"
BINDING = "{http://www.promostandards.org/WSDL/OrderStatusService/1.0.0/}OrderStatusServiceBinding"
# What a log line carries of a failure's detail.
MAX_DETAIL_CHARS = 1000


class OrderStatusServiceError(Exception):
    """The supplier's service could not be asked, or answered something the desk cannot use.

    str() is the category the supplier's page shows; `detail` is for the log.
    """

    def __init__(self, category: str, detail: str = ""):
        super().__init__(category)
        self.category = category
        self.detail = detail or category


def service_password(encrypted: str) -> str:
    """The supplier's service password, read from its encrypted form: every service of a supplier signs in with it.

    Raises OrderStatusServiceError when it cannot be read, or is missing: it is dropped when the address or
    the user id changes, so that it is never sent to a new address unasked.
    """
    try:
        password = decrypt_secret(encrypted) if encrypted else ""
    except SecretUnreadable as error:
        raise OrderStatusServiceError(failures.CREDENTIALS_UNREADABLE, str(error)) from error
    if not password:
        raise OrderStatusServiceError(failures.CREDENTIALS_MISSING)
    return password


@dataclass(frozen=True)
class StatusDetail:
    """One factory order's status: a supplier may split one PO into several."""

    factory_order_number: str
    status_id: int
    status_name: str
    response_required: bool
    valid_at: datetime
    expected_ship_date: date | None
    expected_delivery_date: date | None
    explanation: str


@dataclass(frozen=True)
class PurchaseOrderReport:
    """What the supplier says about one of our purchase orders."""

    purchase_order_number: str
    details: tuple[StatusDetail, ...]


def _calendar_date(value) -> date | None:
    # The day the supplier wrote, in its own offset: "2027-03-01T23:59:00+00:00" ships on March 1
    # wherever the desk is; converting to the desk's zone first would move it a day back.
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raise OrderStatusServiceError(
        failures.UNUSABLE_ANSWER, f"The service answered a date the desk cannot read: {value!r}."
    )


class OrderStatusClient:
    """One supplier's Order Status Service, asked one purchase order at a time (query type 1)."""

    # A sibling service (shipments.py) names its own WSDL, binding and words for a wrong answer.
    wsdl_path = WSDL_PATH
    binding = BINDING
    not_the_service = failures.NOT_THE_SERVICE
    service_name = "Order Status Service"

    def __init__(self, *, url: str, username: str, password: str, timeout: float):
        self.url = url
        self.username = username
        self.password = password
        self.timeout = timeout
        # The timeout holds for connecting and for each read: a supplier that accepts the
        # connection and then says nothing is given up on as surely as one that is not there.
        transport = Transport(session=SupplierSession(), timeout=timeout, operation_timeout=timeout)
        # zeep adds a file:// adapter for local WSDLs; the WSDL here is read from its path, and a
        # supplier's answer must never make the desk read a file.
        transport.session.adapters.pop("file://", None)
        client = Client(str(self.wsdl_path), transport=transport, settings=Settings(strict=True))
        self._service = client.create_service(self.binding, url)

    def purchase_order_status(self, *, number: str) -> PurchaseOrderReport | None:
        """Return the supplier's status of one PO, or None when the supplier does not know the number."""
        response = self._call(
            "getOrderStatusDetails",
            wsVersion=WS_VERSION,
            id=self.username,
            password=self.password,
            queryType=PO_SEARCH,
            referenceNumber=number,
        )
        return self._report(response, number)

    def status_types(self) -> dict[int, str]:
        """Return the statuses the supplier uses: a check that the service answers and takes the credentials."""
        response = self._call("getOrderStatusTypes", wsVersion=WS_VERSION, id=self.username, password=self.password)
        message = (getattr(response, "errorMessage", None) or "").strip()
        if message:
            raise self._answered_error(message)
        statuses = getattr(getattr(response, "StatusArray", None), "Status", None) or []
        if not statuses:
            raise self._error(failures.NOT_THE_SERVICE, "The service answered without any status type.")
        return {int(status.id): (status.name or "").strip() for status in statuses if status.id is not None}

    def _call(self, operation: str, **fields):
        # Checked again before every call: a URL saved before the rules, or a setting since changed.
        if problem := url_problem(self.url):
            raise self._error(failures.ADDRESS_NOT_ALLOWED, f"{self.url}: {problem}")
        try:
            return getattr(self._service, operation)(**fields)
        except AddressNotAllowed as error:
            raise self._error(failures.ADDRESS_NOT_ALLOWED, f"{self.url}: {error}") from error
        except RedirectRefused as error:
            raise self._error(failures.REDIRECTED, str(error)) from error
        except requests.exceptions.SSLError as error:
            raise self._error(failures.CERTIFICATE_REFUSED, f"{self.url}: {error}") from error
        except (requests.exceptions.ConnectTimeout, requests.exceptions.ReadTimeout) as error:
            raise self._error(
                failures.DID_NOT_ANSWER, f"{self.url} did not answer within {self.timeout:g} seconds: {error}"
            ) from error
        except requests.exceptions.ConnectionError as error:
            raise self._error(
                failures.DID_NOT_ANSWER,
                f"{self.url} could not be reached (connection refused or no such host): {error}",
            ) from error
        except requests.exceptions.RequestException as error:
            raise self._error(failures.DID_NOT_ANSWER, f"{self.url} could not be asked: {error}") from error
        except Fault as error:
            raise self._error(
                failures.SERVICE_ERROR, f"{self.url} answered with a SOAP fault: {error.message or 'no message'}"
            ) from error
        except TransportError as error:
            if "invalid XML" in str(error):
                raise self._error(
                    self.not_the_service,
                    f"{self.url} answered something that is not XML (HTTP {error.status_code}): {error.content!r:.200}",
                ) from error
            raise self._error(
                self.not_the_service,
                f"{self.url} answered HTTP {error.status_code}, not the {self.service_name}: {error.content!r:.200}",
            ) from error
        except (ZeepError, etree.LxmlError, ValueError) as error:
            raise self._error(
                self.not_the_service,
                f"{self.url} answered in a shape the {self.service_name} does not have: {error}",
            ) from error

    def _report(self, response, number: str) -> PurchaseOrderReport | None:
        if response is None:
            raise self._error(
                failures.NOT_THE_SERVICE, "The service answered an empty message instead of an order status."
            )
        message = (getattr(response, "errorMessage", None) or "").strip()
        if message.startswith(REFERENCE_NUMBER_NOT_FOUND):
            return None
        if message:
            raise self._answered_error(message)
        array = getattr(response, "OrderStatusArray", None)
        statuses = list(getattr(array, "OrderStatus", None) or [])
        if not statuses:
            raise self._error(failures.UNUSABLE_ANSWER, f"The service answered without any order status for {number}.")
        mine = [status for status in statuses if (status.purchaseOrderNumber or "").strip() == number]
        if not mine:
            others = ", ".join(sorted({str(status.purchaseOrderNumber) for status in statuses}))[:100]
            raise self._error(
                failures.UNUSABLE_ANSWER, f"The service answered about other purchase orders ({others}), not {number}."
            )
        details = []
        for status in mine:
            for detail in getattr(status.OrderStatusDetailArray, "OrderStatusDetail", None) or []:
                if detail.statusID is None or detail.validTimestamp is None:
                    raise self._error(
                        failures.UNUSABLE_ANSWER, f"The service answered a status of {number} without its id or time."
                    )
                details.append(
                    StatusDetail(
                        factory_order_number=(detail.factoryOrderNumber or "").strip(),
                        status_id=int(detail.statusID),
                        status_name=(detail.statusName or "").strip(),
                        response_required=bool(detail.responseRequired),
                        valid_at=detail.validTimestamp,
                        expected_ship_date=_calendar_date(detail.expectedShipDate),
                        expected_delivery_date=_calendar_date(detail.expectedDeliveryDate),
                        explanation=(detail.additionalExplanation or "").strip(),
                    )
                )
        if not details:
            raise self._error(
                failures.UNUSABLE_ANSWER, f"The service answered about {number} without any status detail."
            )
        return PurchaseOrderReport(purchase_order_number=number, details=tuple(details))

    def _answered_error(self, message: str) -> OrderStatusServiceError:
        code = message.split(":", 1)[0].strip()
        category = failures.REFUSED_CREDENTIALS if code in CREDENTIALS_REFUSED else failures.SERVICE_ERROR
        return self._error(category, f"{self.url} answered: {message}")

    def _error(self, category: str, detail: str) -> OrderStatusServiceError:
        # A fault or an echoed request must never put the password in the log.
        if self.password:
            detail = detail.replace(self.password, "••••")
        return OrderStatusServiceError(category, detail[:MAX_DETAIL_CHARS])
