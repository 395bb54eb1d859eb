from django.urls import NoReverseMatch, reverse


def _reverse_or_none(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def navigation(request) -> dict:
    """Links of the main navigation that every page shows."""
    return {
        "catalog_nav_url": _reverse_or_none("catalog-web:prices"),
        "account_nav_url": _reverse_or_none("account"),
    }
