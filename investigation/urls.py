from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from investigation import views

admin.site.site_header = "Fieldbook"
admin.site.site_title = "Fieldbook"
admin.site.index_title = "Your investigations"
admin.site.site_url = "/map/"  # the admin's "View site" link

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    # Django's "view on site" redirect (/admin/r/<content type>/<id>/) would answer 302 for a
    # row of another investigation and 404 for no row at all. Fieldbook has no "view on site"
    # links: every such address is a 404, whether the row exists or not.
    path("admin/r/<path:anything>", views.not_found),
    path("admin/", admin.site.urls),
    path("sources/", include("sources.urls")),
    path("", include("stories.urls")),
    path("", include("events.urls")),
    path("account/two-factor/", views.two_factor, name="two_factor"),
    path("search/", views.search_page, name="search"),
]
