"""Small helpers about requests that every app's views use."""

from django.utils.http import url_has_allowed_host_and_scheme


def wants_json(request):
    """Whether the client asked for JSON (the page's fetch() calls do)."""
    if "X-Requested-With" in request.headers:
        return True
    preferred = request.get_preferred_type(["text/html", "application/json"])
    return preferred == "application/json"


def safe_next_url(request, default=""):
    """Where to go next: the `next` the form posted (else the query string's:
    a page that sent them here with ?next=) if it is on this site, else
    `default`."""
    url = request.POST.get("next") or request.GET.get("next", "")
    if url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return default
