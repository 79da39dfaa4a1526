from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

admin.site.site_header = "Fieldbook"
admin.site.site_title = "Fieldbook"
admin.site.index_title = "Your investigations"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("admin/", admin.site.urls),
]
