"""A login e-mail longer than any user's is a 400 / a form error, never a
500 from axes' record of the failure (issue 12), on the API and the page."""
from axes.models import AccessAttempt

from apps.accounts.lockout import attempt_username
from tests.helpers import PASSWORD, staff_client

LONG_EMAIL = "a" * 300 + "@shop-a.test"


def test_the_token_endpoint_refuses_an_over_long_email_with_a_400(shop_a):
    response = staff_client("a", None).post("/api/v1/auth/token/", {"email": LONG_EMAIL, "password": PASSWORD}, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["details"][0] == {
        "code": "max_length", "field": "email", "message": "Ensure this field has no more than 254 characters."}
    assert not AccessAttempt.objects.filter(username__startswith="a" * 200).exists()


def test_the_login_page_refuses_an_over_long_email_on_the_form(client_a):
    response = client_a.post("/accounts/login/", {"username": LONG_EMAIL, "password": PASSWORD})
    assert response.status_code == 200
    assert response.context["form"].has_error("username", "max_length")
    assert not AccessAttempt.objects.filter(username__startswith="a" * 200).exists()


def test_axes_is_never_handed_a_name_longer_than_it_stores():
    assert len(attempt_username(None, {"email": LONG_EMAIL})) == 255
