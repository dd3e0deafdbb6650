"""Logging in as Django's ModelBackend does; permissions from the role.

A member of staff has exactly the permissions of their role: roles_sync
writes them into the role's group, and apps.accounts.roles says what they
are. Reading them from code saves the two queries (the user's and the
groups' permissions) that ModelBackend makes on every request that checks
one; tests/accounts/test_role_backend.py proves both say the same.
"""
from django.contrib.auth.backends import ModelBackend

from apps.accounts.roles import role_permission_names


class RoleBackend(ModelBackend):
    def get_user_permissions(self, user_obj, obj=None):
        return set()  # no one is given a permission of their own: a role is all there is

    def get_group_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        return set(role_permission_names(user_obj.role))
