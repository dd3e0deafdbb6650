from tests.helpers import text


def test_a_persian_shop_is_right_to_left_with_jalali_dates_and_persian_digits(shop, as_cashier):
    shop.language = "fa"
    shop.save()
    page = text(as_cashier.get("/"))
    assert '<html lang="fa" dir="rtl">' in page
    assert "داشبورد" in page  # "Dashboard"
    assert "۱۴" in page  # the Jalali year


def test_the_login_page_speaks_the_shops_language(shop, client_a):
    shop.language = "fa"
    shop.save()
    assert 'dir="rtl"' in text(client_a.get("/accounts/login/"))


def test_a_user_switches_language_for_themselves_only(shop, as_cashier, as_manager, cashier):
    response = as_cashier.post("/accounts/language/", {"language": "fa", "next": "/inventory/"})
    assert response.status_code == 302 and response["Location"] == "/inventory/"
    cashier.refresh_from_db()
    assert cashier.language == "fa"
    assert 'dir="rtl"' in text(as_cashier.get("/"))
    assert 'dir="ltr"' in text(as_manager.get("/"))
    assert as_cashier.post("/accounts/language/", {"language": "xx"}).status_code == 302
    cashier.refresh_from_db()
    assert cashier.language == "fa"


def test_the_language_switch_never_redirects_off_site(as_cashier):
    response = as_cashier.post("/accounts/language/", {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_the_owner_sets_the_shops_language(shop, as_owner, as_manager):
    assert as_manager.post("/settings/", {"language": "fa"}).status_code == 403
    response = as_owner.post("/settings/", {"language": "fa"})
    assert response.status_code == 302
    shop.refresh_from_db()
    assert shop.language == "fa"
    assert 'dir="rtl"' in text(as_manager.get("/"))


def test_the_admin_keeps_djangos_own_language_choice(shop, client_a):
    shop.language = "fa"
    shop.save()
    assert 'dir="ltr"' in text(client_a.get("/admin/login/"))
