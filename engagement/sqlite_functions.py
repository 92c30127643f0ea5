"""SQLite lacks two functions the engine uses on PostgreSQL: the `bit_or` aggregate and `bit_count`."""


class BitOr:
    def __init__(self):
        self.value = 0

    def step(self, value):
        if value is not None:
            self.value |= value

    def finalize(self):
        return self.value


def bit_count(value):
    return None if value is None else (value & 0xFFFFFFFFFFFFFFFF).bit_count()


def register(sender, connection, **kwargs):
    """Add the functions to each new SQLite connection (`connection_created`)."""
    if connection.vendor == "sqlite":
        connection.connection.create_aggregate("bit_or", 1, BitOr)
        connection.connection.create_function("bit_count", 1, bit_count, deterministic=True)
