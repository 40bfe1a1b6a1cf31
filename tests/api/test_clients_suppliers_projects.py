"""Clients, suppliers and projects: read by everyone, written by Sales (and Production for suppliers)."""

from projects.models import Client, Project
from purchasing.models import Supplier
from tests.factories import ClientFactory, ProjectFactory, SupplierFactory, UserFactory


def test_sales_creates_reads_and_changes_a_client(as_sales):
    created = as_sales.post(
        "/api/clients/",
        {
            "name": "Harbor Fair",
            "billing_email": "ap@harbor.example.com",
            "billing_address": "1 Pier",
            "tax_id": "EIN 12-3456789",
            "terms_days": 15,
            "default_tax_rate": "8.25",
        },
        format="json",
    )
    assert created.status_code == 201
    client = created.json()
    assert client == {
        "id": client["id"],
        "name": "Harbor Fair",
        "billing_email": "ap@harbor.example.com",
        "billing_address": "1 Pier",
        "tax_id": "EIN 12-3456789",
        "terms_days": 15,
        "default_tax_rate": "8.25",
        "status_updates_automatic": False,
    }
    assert as_sales.get(f"/api/clients/{client['id']}/").json() == client
    changed = as_sales.patch(f"/api/clients/{client['id']}/", {"terms_days": 45}, format="json")
    assert changed.status_code == 200
    assert changed.json()["terms_days"] == 45
    listed = as_sales.get("/api/clients/").json()
    assert (listed["count"], listed["results"][0]["name"]) == (1, "Harbor Fair")


def test_a_client_with_bad_fields_is_refused_naming_each(as_sales):
    response = as_sales.post(
        "/api/clients/",
        {"name": "", "billing_email": "not-an-email", "terms_days": 400, "default_tax_rate": "101"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "name": ["This field may not be blank."],
        "billing_email": ["Enter a valid email address."],
        "terms_days": ["Ensure this value is less than or equal to 365."],
        "default_tax_rate": ["Ensure this value is less than or equal to 100."],
    }
    assert not Client.objects.exists()


def test_a_client_name_is_unique(as_sales):
    ClientFactory(name="Harbor Fair")
    response = as_sales.post("/api/clients/", {"name": "Harbor Fair", "billing_email": "a@b.example"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"name": ["client with this name already exists."]}


def test_a_client_patch_with_a_wrong_type_changes_nothing(as_sales):
    client = ClientFactory(terms_days=30)
    response = as_sales.patch(f"/api/clients/{client.pk}/", {"terms_days": "abc"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"terms_days": ["A valid integer is required."]}
    client.refresh_from_db()
    assert client.terms_days == 30


def test_put_and_delete_are_not_offered(as_manager):
    client = ClientFactory()
    assert as_manager.put(f"/api/clients/{client.pk}/", {}, format="json").status_code == 405
    assert as_manager.delete(f"/api/clients/{client.pk}/").status_code == 405


def test_an_unknown_client_is_404(as_sales):
    response = as_sales.get("/api/clients/999999/")
    assert response.status_code == 404
    assert response.json() == {"detail": "No Client matches the given query."}


def test_production_creates_and_changes_suppliers(as_production):
    created = as_production.post(
        "/api/suppliers/", {"name": "Mugs & Co", "email": "o@mugs.example", "phone": "+1 555 0100"}, format="json"
    )
    assert created.status_code == 201
    supplier = created.json()
    assert supplier == {
        "id": supplier["id"],
        "name": "Mugs & Co",
        "email": "o@mugs.example",
        "phone": "+1 555 0100",
        "order_status_url": "",
        "order_status_username": "",
        "order_status_password_stored": False,
        "shipment_url": "",
        "shipment_enabled": False,
        "inventory_url": "",
        "inventory_enabled": False,
    }
    changed = as_production.patch(f"/api/suppliers/{supplier['id']}/", {"email": ""}, format="json")
    assert changed.json()["email"] == ""
    assert as_production.get(f"/api/suppliers/{supplier['id']}/").status_code == 200
    assert as_production.get("/api/suppliers/").json()["count"] == 1


def test_a_supplier_without_a_name_is_refused(as_production):
    response = as_production.post("/api/suppliers/", {"email": "o@mugs.example"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"name": ["This field is required."]}
    assert not Supplier.objects.exists()


def test_a_supplier_patch_with_a_bad_email_is_refused(as_production):
    supplier = SupplierFactory()
    response = as_production.patch(f"/api/suppliers/{supplier.pk}/", {"email": "nope"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"email": ["Enter a valid email address."]}


def test_sales_opens_a_project_with_its_three_reps(as_sales, sales_rep, production_rep, invoicing_rep):
    client = ClientFactory()
    response = as_sales.post(
        "/api/projects/",
        {
            "name": "Spring fair mugs",
            "client": client.pk,
            "order_rep": sales_rep.pk,
            "production_rep": production_rep.pk,
            "invoicing_rep": invoicing_rep.pk,
        },
        format="json",
    )
    assert response.status_code == 201
    project = response.json()
    assert {key: project[key] for key in ("number", "client", "order_rep", "production_rep", "invoicing_rep")} == {
        "number": "P-1001",
        "client": client.pk,
        "order_rep": sales_rep.pk,
        "production_rep": production_rep.pk,
        "invoicing_rep": invoicing_rep.pk,
    }
    changed = as_sales.patch(f"/api/projects/{project['id']}/", {"name": "Summer fair mugs"}, format="json")
    assert changed.status_code == 200
    assert changed.json()["name"] == "Summer fair mugs"
    assert as_sales.get(f"/api/projects/{project['id']}/").json()["name"] == "Summer fair mugs"


def test_a_project_with_an_unknown_rep_is_refused(as_sales, sales_rep, production_rep):
    response = as_sales.post(
        "/api/projects/",
        {
            "name": "Spring fair mugs",
            "client": ClientFactory().pk,
            "order_rep": sales_rep.pk,
            "production_rep": production_rep.pk,
            "invoicing_rep": 987654,
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"invoicing_rep": ['Invalid pk "987654" - object does not exist.']}
    assert not Project.objects.exists()


def test_a_project_with_an_inactive_rep_is_refused(as_sales, sales_rep, production_rep):
    gone = UserFactory(username="gone", is_active=False)
    response = as_sales.post(
        "/api/projects/",
        {
            "name": "Spring fair mugs",
            "client": ClientFactory().pk,
            "order_rep": sales_rep.pk,
            "production_rep": production_rep.pk,
            "invoicing_rep": gone.pk,
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"invoicing_rep": ["User gone is not active."]}
    assert not Project.objects.exists()


def test_a_project_number_cannot_change(as_sales):
    project = ProjectFactory(number="P-2001")
    response = as_sales.patch(f"/api/projects/{project.pk}/", {"number": "P-9"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"number": ["A project's number cannot change."]}


def test_projects_filter_by_client_rep_and_words(as_production, sales_rep):
    harbor = ClientFactory(name="Harbor Fair")
    mine = ProjectFactory(name="Spring mugs", client=harbor, order_rep=sales_rep)
    ProjectFactory(name="Autumn caps")

    def numbers(**params) -> list[str]:
        response = as_production.get("/api/projects/", params)
        assert response.status_code == 200
        return [project["number"] for project in response.json()["results"]]

    assert numbers(client=harbor.pk) == [mine.number]
    assert numbers(rep=sales_rep.pk) == [mine.number]
    assert numbers(q="harbor mugs") == [mine.number]
    assert len(numbers()) == 2


def test_a_filter_naming_an_unknown_client_is_refused(as_production):
    response = as_production.get("/api/projects/", {"client": 424242})
    assert response.status_code == 400
    assert response.json() == {"client": ["Select a valid choice. That choice is not one of the available choices."]}
