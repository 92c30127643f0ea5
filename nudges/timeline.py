"""Messages to or about a person on their timeline (`participants.timeline`); registered from
`NudgesConfig.ready`. Hub staff get a link to each message's page."""

from django.urls import reverse

from nudges import queries
from participants import timeline


def messages(person, school_ids, limit, viewer):
    return [
        timeline.Entry(
            message.at,
            "messages",
            message.summary,
            timeline.by_name(message.actor_name) if message.actor_id else "automatic",
            reverse("nudges:detail", args=[message.nudge.code]) if viewer.is_hub_staff else "",
        )
        for message in queries.person_messages(person, school_ids, limit)
    ]


def register():
    timeline.register("messages", "Messages", messages)
