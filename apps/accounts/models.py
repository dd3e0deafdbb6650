"""
Staff users. The table exists in every shop's schema (a shop's staff) and in
the public schema (platform operators): one model, two populations.
"""
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    MANAGER = "manager", "Manager"
    CASHIER = "cashier", "Cashier"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True, role="")
        return self.create_user(email, password, **extra)

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(max_length=254, unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    # Empty for platform operators, who have no shop role.
    role = models.CharField(max_length=16, choices=Role.choices, blank=True)
    language = models.CharField(max_length=5, blank=True, help_text="Empty: the shop's language.")
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="May use the admin site.")
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique")]
        permissions = [
            ("sell", "Can sell at the counter"),
            ("void_sale", "Can void a sale"),
            ("return_sale", "Can take a return"),
            ("override_price", "Can lower rates, making charges and give large discounts"),
            ("manage_inventory", "Can create and change items and stock"),
            ("set_gold_rate", "Can set the gold rate"),
            ("manage_customers", "Can create and change customers"),
            ("manage_terminals", "Can create terminals and revoke devices"),
            ("resolve_review", "Can resolve the sync review queue"),
            ("view_reports", "Can view reports"),
            ("manage_staff", "Can manage staff users and roles"),
            ("manage_shop", "Can change the shop's settings"),
            ("manage_workshop", "Can set workshop prices and manage craftsmen"),
        ]

    def __str__(self):
        return self.email


class MfaDevice(models.Model):
    """A user's authenticator app (TOTP, RFC 6238). It lives in the shop's
    schema with the user, so a secret of one shop means nothing in another.
    The secret must be readable to check codes, as every TOTP server's is;
    `last_step` is the time step of the last code taken, so a code is
    accepted once."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="mfa_device")
    secret = models.CharField(max_length=64)
    last_step = models.BigIntegerField(default=0)
    confirmed_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"MFA of {self.user}"


class RecoveryCode(models.Model):
    """A one-time code for a user who has lost the authenticator. Only a
    SHA-256 of the code is kept: the codes are random (50 bits), not chosen
    by people, so a fast hash is enough and a login checks them at once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "code_hash"], name="accounts_recovery_code_unique")]

    def __str__(self):
        return f"recovery code of {self.user}"
