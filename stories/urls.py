from django.urls import path

from stories import views

app_name = "stories"
urlpatterns = [
    path("story/<slug:slug>/", views.story, name="story"),
    path("story/<slug:slug>/factcheck.csv", views.factcheck, name="factcheck"),
    path("documents/<int:pk>/", views.document_download, name="document_download"),
]
