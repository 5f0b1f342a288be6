class ObjectIdConverter:
    """Path ids: positive integers that fit PostgreSQL's bigint, so a huge id is a 404, not a 500."""

    regex = "[1-9][0-9]{0,17}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)
