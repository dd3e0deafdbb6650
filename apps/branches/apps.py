from django.apps import AppConfig


class BranchesConfig(AppConfig):
    name = "apps.branches"
    label = "branches"
