"""Small helpers about requests that every app's views use."""


def wants_json(request):
    """Whether the client asked for JSON (the page's fetch() calls do)."""
    if "X-Requested-With" in request.headers:
        return True
    preferred = request.get_preferred_type(["text/html", "application/json"])
    return preferred == "application/json"
