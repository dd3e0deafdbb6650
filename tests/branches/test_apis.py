"""The branches API (apps/branches/apis.py)."""


def test_branches_lists_id_and_name(owner_a):
    names = {b["name"] for b in owner_a.get("/api/v1/branches/").json()["results"]}
    assert names == {"Main", "Bazaar"}
