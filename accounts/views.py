from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.deletion import delete_accounts
from accounts.forms import AccountForm, DeleteAccountForm, SignupForm
from albums.models import Album
from core import ratelimit
from core.http import safe_next_url
from photos.models import Photo


@require_http_methods(["GET", "POST"])
def signup(request):
    # Where to go after signing up, if a page sent them here with ?next= (a
    # co-host invitation does) and it is on this site.
    next_url = safe_next_url(request)
    if request.user.is_authenticated:
        return redirect(next_url or "home")
    form = SignupForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        # New accounts are counted per client; mistakes in the form are not.
        client = ratelimit.client_key(request)
        ratelimit.check("signup-client", client)
        if form.is_valid():
            ratelimit.hit("signup-client", client)
            user = form.save()
            # Just made with this password: no need to authenticate again.
            login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
            messages.success(
                request,
                _("Welcome to PartyShots, %(name)s!") % {"name": user.first_name},
            )
            # Next: name the first event, then share it (albums.views.album_create),
            # unless they came to do something else (accept a co-host invitation).
            return redirect(next_url or "album_create")
    return render(request, "accounts/signup.html", {"form": form, "next": next_url})


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset view; links in the email start with SITE_URL when it is set."""

    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"

    @property
    def extra_email_context(self):
        return {"site_url": settings.SITE_URL}

    def post(self, request, *args, **kwargs):
        ratelimit.hit("password-reset-client", ratelimit.client_key(request))
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        # Counted for any address, known or not, so the limit says nothing
        # about who has an account; it stops anyone flooding one inbox.
        ratelimit.hit(
            "password-reset-email", form.cleaned_data["email"].strip().casefold()
        )
        return super().form_valid(form)


@login_required
@require_http_methods(["GET", "POST"])
def account(request):
    form = AccountForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your account has been updated."))
        return redirect("account")
    return render(request, "accounts/account.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def account_delete(request):
    user = request.user
    form = DeleteAccountForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        username = user.get_username()
        # The cascade takes albums, their photos and uploads elsewhere (rows
        # locked first, so uploads in flight can't break it); each photo's
        # storage objects go once this transaction commits (photos/signals.py).
        delete_accounts(user._meta.model._default_manager.filter(pk=user.pk))
        logout(request)
        messages.success(
            request,
            _("The account %(username)s and everything in it has been deleted.")
            % {"username": username},
        )
        return redirect("home")
    albums = list(user.albums.with_stats().order_by("name", "pk"))
    context = {
        "form": form,
        "albums": albums,
        "album_photo_count": sum(album.photo_count for album in albums),
        # What is in the trash goes too (all_objects), and nothing goes to it.
        "trashed_album_count": Album.all_objects.filter(
            user=user, deleted_at__isnull=False
        ).count(),
        "other_upload_count": Photo.all_objects.filter(user=user)
        .exclude(album__user=user)
        .count(),
    }
    return render(request, "accounts/account_delete.html", context)
