"""Sign-in addresses: which e-mail address an account signs in with, and whether it is proven.

allauth keeps one `EmailAddress` row per address of an account; `verified` means the owner has
shown they receive mail there. An account has one address (`ACCOUNT_CHANGE_EMAIL`): a new one is
a pending, unverified row until confirmed, and replaces the old one then. An address counts as
proven only after a link or code sent to it has come back: a set-up or password-reset link
(`verify_current_address`, on allauth's `password_reset` signal), a sign-in code (allauth marks it),
allauth's verification link, or the confirmation of an `EmailChange`.
"""

from allauth.account.models import EmailAddress
from django.db import transaction


@transaction.atomic
def set_primary_address(user, *, verified, drop_others=True):
    """Make `user.email` the account's primary address, proven or not; with `drop_others`, its only one.

    Another account's unproven claim on the same address (a change it never confirmed) is dropped
    too: it proved nothing and would make sign-in by that address ambiguous.
    """
    EmailAddress.objects.filter(email__iexact=user.email, verified=False).exclude(user=user).delete()
    if drop_others:
        EmailAddress.objects.filter(user=user).exclude(email__iexact=user.email).delete()
    else:
        EmailAddress.objects.filter(user=user, primary=True).exclude(email__iexact=user.email).update(primary=False)
    address = EmailAddress.objects.filter(user=user, email__iexact=user.email).first()
    if address is None:
        return EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=verified)
    address.primary = True
    address.verified = address.verified or verified
    address.save(update_fields=["primary", "verified"])
    return address


def add_unproven_address(user):
    """Record a new account's address, unproven (a hub typed it in), unless it is already recorded."""
    if not EmailAddress.objects.filter(user=user, email__iexact=user.email).exists():
        EmailAddress.objects.filter(email__iexact=user.email, verified=False).exclude(user=user).delete()
        EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=False)


def verify_current_address(sender=None, user=None, **kwargs):
    """A set-up or password-reset link was used: it was mailed to `user.email` only (see
    `InviteOnlyAccountAdapter.send_password_reset_mail`) and its key hashes that address, so the
    owner has shown they receive mail there. Connected to allauth's `password_reset` signal."""
    set_primary_address(user, verified=True, drop_others=False)


def is_address_taken(email, user=None):
    """Whether another account signs in with `email` or has proven it."""
    from participants.models import User

    others = User.objects.filter(email__iexact=email)
    proven = EmailAddress.objects.filter(email__iexact=email, verified=True)
    if user is not None:
        others, proven = others.exclude(pk=user.pk), proven.exclude(user=user)
    return others.exists() or proven.exists()
