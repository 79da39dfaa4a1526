"""Pages of Fieldbook's own inside the admin's frame (menu, breadcrumbs, user tools): one
helper, so that each such page says only what is its own."""

from django.contrib import admin
from django.template.response import TemplateResponse


def admin_page(request, template, *, title, model_admin=None, status=200, **context):
    """A page of Fieldbook's own in the admin's frame (menu, breadcrumbs, user tools): the
    reveal and hand-over pages, imports, exports, two-factor and lockout pages."""
    site = model_admin.admin_site if model_admin else admin.site
    request.current_app = site.name
    frame = {**site.each_context(request), "title": title}
    if model_admin is not None:
        frame["opts"] = model_admin.opts
    return TemplateResponse(request, template, {**frame, **context}, status=status)
