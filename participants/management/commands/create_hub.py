"""manage.py create_hub SLUG "NAME" --admin-email EMAIL

An admin address whose account someone already owns gets an unconfirmed membership and a
confirmation e-mail (always): the account gains nothing in the new hub until its owner confirms.
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email, validate_slug
from django.db import transaction

from participants import services
from participants.models import HubRole
from schools.models import Hub
from schools.scoping import hub_scope
from schools.signals import hub_created


class Command(BaseCommand):
    help = "Create a hub (delivery partner) and its first hub admin, or add the admin to an existing hub."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="Short identifier used by other commands, e.g. north-tsh")
        parser.add_argument("name", help="The hub's display name")
        parser.add_argument("--admin-email", required=True, help="E-mail of the hub's first admin")
        parser.add_argument("--send-setup-email", action="store_true", help="E-mail the admin a set-up link")

    def handle(self, slug, name, admin_email, send_setup_email=False, **options):
        try:
            validate_slug(slug)
            validate_email(admin_email)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        with transaction.atomic():
            hub, created = Hub.objects.get_or_create(slug=slug, defaults={"name": name})
            if not created and hub.name != name:
                raise CommandError(f"Hub {slug!r} already exists with the name {hub.name!r}.")
            with hub_scope(hub):
                person = services.get_or_create_person(hub, admin_email)
                services.set_hub_role(person, HubRole.ADMIN, actor=None)
                if send_setup_email or not person.is_confirmed:
                    services.invite(person, actor=None)
            hub_created.send(sender=self.__class__, hub=hub)
        verb = "Created" if created else "Updated"
        self.stdout.write(self.style.SUCCESS(f"{verb} hub {hub.slug} ({hub.name}); admin {person.user.email}"))
        if not person.is_confirmed:
            self.stdout.write(
                f"{person.user.email} already has an account: they are admin of {hub.name} once they confirm "
                "from the e-mail sent to that address."
            )
