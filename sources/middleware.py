"""A key that opens no stored identity answers a clear 503 page, never a traceback."""

from django.template.response import TemplateResponse

from sources.fields import IdentityKeyError


class IdentityKeyErrorMiddleware:
    """Fail closed, and say why: when no configured key opens an identity, the person sees a
    plain explanation (no ciphertext, no traceback) and nothing was written."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, IdentityKeyError):
            return None
        what = getattr(exception, "what", "source identities")  # or stored files
        context = {"message": str(exception), "title": f"{what.capitalize()} cannot be read"}
        context["what"] = what
        return TemplateResponse(request, "sources/key_error.html", context, status=503)
