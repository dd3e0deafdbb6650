from tests.helpers import staff_client


def test_categories_list_by_name_and_managers_create_them(world):
    manager = staff_client("a", "manager")
    created = manager.post("/api/v1/categories/", {"name": "Anklets", "parent_id": str(world.category_id)}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["parent_id"] == str(world.category_id)
    names = [c["name"] for c in staff_client("a", "cashier").get("/api/v1/categories/").json()["results"]]
    assert names == ["Anklets", "Rings"]


def test_category_names_are_unique_whatever_the_case(world):
    response = staff_client("a", "manager").post("/api/v1/categories/", {"name": "rINGS"}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "category_exists"


def test_unknown_parent_is_400(world):
    response = staff_client("a", "owner").post(
        "/api/v1/categories/", {"name": "Orphans", "parent_id": "00000000-0000-0000-0000-000000000000"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["details"][0]["field"] == "parent_id"
