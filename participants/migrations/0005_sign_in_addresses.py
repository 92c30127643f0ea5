"""Give every account one primary allauth address for its sign-in e-mail, proven only if already proven.

Until now no address needed proof (ACCOUNT_EMAIL_VERIFICATION "none"): an address counts as proven
only where allauth already marked it verified (its owner signed in with a code sent there). Anyone
else signing in by password is sent a verification link once; signing in by code or through a
set-up link proves the address on the way. Unproven extra addresses (added on the e-mail page
without proof) are dropped.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    User = apps.get_model("participants", "User")
    EmailAddress = apps.get_model("account", "EmailAddress")
    for user in User.objects.order_by("pk").iterator():
        EmailAddress.objects.filter(user=user, verified=False).exclude(email__iexact=user.email).delete()
        EmailAddress.objects.filter(email__iexact=user.email, verified=False).exclude(user=user).delete()
        EmailAddress.objects.filter(user=user, primary=True).exclude(email__iexact=user.email).update(primary=False)
        address = EmailAddress.objects.filter(user=user, email__iexact=user.email).first()
        if address is None:
            EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=False)
        elif not address.primary:
            address.primary = True
            address.save(update_fields=["primary"])


class Migration(migrations.Migration):
    dependencies = [
        ("participants", "0004_email_change"),
        ("account", "0009_emailaddress_unique_primary_email"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
