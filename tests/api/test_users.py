"""GET /api/users/: the colleagues a project's reps and a note's mentions refer to."""

import pytest

from tests.factories import UserFactory


def test_lists_active_users_with_their_roles(as_sales, production_rep, invoicing_rep, manager):
    UserFactory(username="left.company", is_active=False)
    response = as_sales.get("/api/users/")
    assert response.status_code == 200
    rows = {row["username"]: row for row in response.json()["results"]}
    assert "left.company" not in rows
    assert rows["pat"]["roles"] == ["Production"]
    assert rows["ivy"]["full_name"] == "Ivy Invoicer"
    assert set(rows["pat"]) == {"id", "username", "full_name", "email", "roles"}


def test_filters_by_role_and_name(as_sales, production_rep, invoicing_rep):
    by_role = as_sales.get("/api/users/", {"role": "Invoicing"}).json()["results"]
    assert [row["username"] for row in by_role] == ["ivy"]
    by_name = as_sales.get("/api/users/", {"q": "produc"}).json()["results"]
    assert [row["username"] for row in by_name] == ["pat"]


def test_unknown_role_is_a_400_naming_the_field(as_sales):
    response = as_sales.get("/api/users/", {"role": "Janitors"})
    assert response.status_code == 400
    assert list(response.json()) == ["role"]


def test_signed_out_is_401(anonymous):
    assert anonymous.get("/api/users/").status_code == 401


def test_users_cannot_be_written(as_manager):
    assert as_manager.post("/api/users/", {"username": "new"}, format="json").status_code == 405


@pytest.mark.parametrize("count", [5, 50])
def test_user_list_query_count(count, as_manager, django_assert_num_queries):
    for index in range(count):
        UserFactory(username=f"colleague{index}", roles=["Sales"])
    # Session-less token auth: the token with its user, the page count, the page, and the users' groups.
    with django_assert_num_queries(4):
        response = as_manager.get("/api/users/", {"page_size": 50})
    assert response.status_code == 200
