from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("events", "0004_alternative_closing_note"),
        ("events", "0004_booking_emails_and_submissions"),
    ]

    operations = []
