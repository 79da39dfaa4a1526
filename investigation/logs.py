"""What Fieldbook's own logs leave out: the query string of a request (search words, a list's
filters), cut from the request lines the development server logs (gunicorn: see the README)."""

import logging
import re

QUERY_STRING = re.compile(r"\?[^\s\"]*")


class QueryStringsLeftOut(logging.Filter):
    """ "GET /search/?q=convoy HTTP/1.1" is logged as "GET /search/ HTTP/1.1": what people
    looked for leaves no trace in the logs."""

    def filter(self, record):
        if isinstance(record.args, tuple):
            record.args = tuple(
                QUERY_STRING.sub("", arg) if isinstance(arg, str) else arg for arg in record.args
            )
        if isinstance(record.msg, str):
            record.msg = QUERY_STRING.sub("", record.msg)
        return True
