"""What a browser would post back: the fields of an admin page's form as it was rendered, so
that a test can GET a form, change one field and POST the rest unchanged."""

from html.parser import HTMLParser


class FormFields(HTMLParser):
    """Every named input, select and textarea of the page's first form with method post (the
    change form: the logout button's form comes first in the header, but has no fields)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.fields, self.forms, self.in_form = [], 0, False
        self.select = self.textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("method", "").lower() == "post":
            self.in_form = "logout" not in attrs.get("action", "") and not self.fields
        if not self.in_form:
            return
        if tag == "input" and attrs.get("name"):
            self.input(attrs)
        elif tag == "select" and attrs.get("name"):
            self.select = attrs["name"]
        elif tag == "option" and self.select and "selected" in attrs:
            self.fields.append((self.select, attrs.get("value", "")))
        elif tag == "textarea" and attrs.get("name"):
            self.textarea = [attrs["name"], ""]

    def input(self, attrs):
        kind = attrs.get("type", "text")
        if kind in ("submit", "button", "file", "image"):
            return
        if kind in ("checkbox", "radio") and "checked" not in attrs:
            return
        self.fields.append((attrs["name"], attrs.get("value", "on" if kind == "checkbox" else "")))

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            self.fields.append(tuple(self.textarea))
            self.textarea = None
        elif tag == "form":
            self.in_form = False


def form_fields(response):
    """{name: value or [values]} of the change form on an admin page."""
    assert response.status_code == 200, response.status_code
    parser = FormFields()
    parser.feed(response.content.decode())
    data = {}
    for name, value in parser.fields:
        if name in data:
            data[name] = (
                [*data[name], value] if isinstance(data[name], list) else [data[name], value]
            )
        else:
            data[name] = value
    return data


def post_changed(client, url, **changes):
    """GET the form at `url`, change some fields, POST it all back; the response of the POST."""
    data = {**form_fields(client.get(url)), **changes}
    return client.post(url, data)
