"""The top bar's links (ui/_nav.html), rendered once per language and set
of permissions (apps.ui.templatetags.ui.main_nav): each role still sees its
own links, in its own language."""
import re

from tests.helpers import text

NAV = re.compile(r'<nav aria-label="[^"]*">(.*?)</nav>', re.S)


def _links(page: str) -> list[str]:
    return re.findall(r'<a href="([^"]+)"', NAV.search(page).group(1))


def test_each_role_sees_its_own_links_in_its_own_language(shop, as_cashier, as_manager, as_owner, cashier):
    owner = _links(text(as_owner.get("/")))
    assert owner == ["/", "/pos/", "/sales/", "/inventory/", "/gold-rate/", "/customers/", "/workshop/", "/reports/", "/review/",
                     "/terminals/", "/staff/", "/settings/"]
    assert "/settings/" not in _links(text(as_manager.get("/")))
    cashier_links = _links(text(as_cashier.get("/")))
    assert "/pos/" in cashier_links and "/workshop/" in cashier_links and "/staff/" not in cashier_links and "/reports/" not in cashier_links
    assert ">Dashboard<" in NAV.search(text(as_cashier.get("/"))).group(1)

    as_cashier.post("/accounts/language/", {"language": "fa", "next": "/"})
    persian = NAV.search(text(as_cashier.get("/"))).group(1)
    assert "داشبورد" in persian and "Dashboard" not in persian
    assert _links(text(as_cashier.get("/"))) == cashier_links
    assert ">Dashboard<" in NAV.search(text(as_manager.get("/"))).group(1)  # the manager's language is unchanged
