"""A MongoDB command listener for tests that assert what the app sent to the server."""

import threading

from pymongo import monitoring


class CommandLog(monitoring.CommandListener):
    """Every command the app sends, as (name, collection, command document), in order."""

    def __init__(self):
        self.sent = []
        self.lock = threading.Lock()  # the app's monitoring may call from other threads

    def started(self, event):
        """Keep it."""
        with self.lock:
            self.sent.append(
                (event.command_name, event.command.get(event.command_name), event.command)
            )

    def succeeded(self, event):
        """Not needed."""

    def failed(self, event):
        """Not needed."""

    def clear(self):
        """Forget what was sent so far."""
        with self.lock:
            self.sent.clear()

    def collections(self):
        """The collections named by the commands sent."""
        return {collection for _, collection, _ in self.sent}

    def counts(self):
        """How many count queries were sent (count_documents is an aggregate with $group)."""
        return sum(
            1
            for name, _, command in self.sent
            if name == "aggregate" and any("$group" in stage for stage in command["pipeline"])
        )

    def finds(self, collections):
        """(collection, filter, sort) of each find on those collections."""
        return [
            (collection, command.get("filter", {}), command.get("sort"))
            for name, collection, command in self.sent
            if name == "find" and collection in collections
        ]
