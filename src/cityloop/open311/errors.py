from cityloop.core.errors import ApplicationError


class Open311Error(ApplicationError):
    """A refusal in GeoReport v2 terms: `status` is the spec's code (400, 403, 404; 429 for the quota)."""

    def __init__(self, status: int, *descriptions: str):
        super().__init__(descriptions[0] if descriptions else "", code=f"open311_{status}")
        self.status = status
        self.descriptions = list(descriptions)
