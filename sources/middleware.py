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
        context = {"message": str(exception), "title": "Identities cannot be read"}
        return TemplateResponse(request, "sources/key_error.html", context, status=503)
