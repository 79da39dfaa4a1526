"""Fieldbook's own pages outside the models' admin: the second factor, search, the 404 and the
locked-out page."""

from base64 import b32encode

import django_otp
import qrcode
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django_otp.plugins.otp_totp.models import TOTPDevice

from investigation import search
from investigation.admin_page import admin_page
from investigation.forms import SearchForm, TwoFactorForm


@never_cache
@login_required
def two_factor(request):
    """Enrol an authenticator app at the first login, then ask for its code at every login."""
    next_url = safe_next_url(request)
    if request.user.is_verified():
        return redirect(next_url)
    device = totp_device_for(request.user)
    form = TwoFactorForm(request.POST or None, device=device)
    if form.is_valid():
        return verified(request, form.device, next_url)
    context = {"form": form, "next": next_url, "enrolling": not device.confirmed}
    if not device.confirmed:
        context["qr_code"] = qr_code_svg(device.config_url)
        context["secret"] = b32encode(device.bin_key).decode()
    return admin_page(
        request,
        "investigation/two_factor.html",
        title="Two-factor login",
        is_nav_sidebar_enabled=False,
        **context,
    )


@never_cache
@login_required
def search_page(request):
    """One search across the person's investigations (investigation.search): grouped by kind
    of record, ranked, with the words found marked. The words are never logged."""
    form = SearchForm(request.GET or None, user=request.user)
    found = None
    if form.is_valid() and form.cleaned_data["q"].strip():
        found = search.results(user=request.user, **form.search_arguments())
    return admin_page(
        request,
        "investigation/search.html",
        title="Search",
        form=form,
        found=found,
        per_page=search.PER_PAGE,
        pool=f"{search.POOL:,}",
    )


def verified(request, device, next_url):
    if not device.confirmed:
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    django_otp.login(request, device)
    # The session now opens everything: give it a new key, as at the password login.
    request.session.cycle_key()
    return redirect(next_url)


def totp_device_for(user):
    """The person's confirmed device, else the one they are enrolling (made on first visit, then
    reused so the QR code does not change on reload)."""
    device = TOTPDevice.objects.filter(user=user).order_by("-confirmed", "pk").first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


def safe_next_url(request):
    next_url = request.POST.get("next") or request.GET.get("next", "")
    if url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return reverse("admin:index")


def qr_code_svg(text):
    """The QR code as inline SVG, drawn here: no image service learns the secret. Only the
    module grid's numbers reach the markup (format_html), never the text it encodes."""
    code = qrcode.QRCode(border=4)
    code.add_data(text)
    code.make(fit=True)
    grid = code.get_matrix()
    path = "".join(
        f"M{x},{y}h1v1h-1z" for y, row in enumerate(grid) for x, dark in enumerate(row) if dark
    )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
        'shape-rendering="crispEdges"><path d="{path}" fill="#000"/></svg>',
        size=len(grid),
        path=path,
    )


def not_found(request, **kwargs):
    raise Http404("No such page.")


def locked_out(request, original_response=None, credentials=None):
    """django-axes' lockout page: the same for every username, known or not."""
    page = admin_page(
        request,
        "investigation/locked_out.html",
        title="Too many login attempts",
        status=429,
        is_nav_sidebar_enabled=False,
        minutes=int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    )
    return page.render()
