from django.apps import AppConfig


class UiConfig(AppConfig):
    """The staff web UI's shared pieces: layout helpers, formatting, PDF and
    barcode rendering, the POS cart. Pages live in each app's views.py."""

    name = "apps.ui"
    label = "ui"
    verbose_name = "Staff UI"
