from django.urls import path

from sources import views

app_name = "sources"
urlpatterns = [
    path("attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
]
