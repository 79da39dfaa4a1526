"""The publication export's file formats (CSV, XLSX, JSON, GeoJSON), streamed row by row, with
no cell that a spreadsheet would run as a formula.

Each writes to a binary stream it does not close (a private file, encrypted as it is written,
or a file the command line named): whoever opened it keeps or discards it."""

import csv
import io
import json

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from investigation.importexport import FORMULA_STARTS, formula_escape
from stories.publication.rows import COLUMNS, TEXT_INDEXES


class CsvWriter:
    def __init__(self, stream):
        self.file = io.TextIOWrapper(stream, encoding="utf-8", newline="")
        self.writer = csv.writer(self.file)
        self.writer.writerow(COLUMNS)

    def write(self, values):
        row = list(values)
        for index in TEXT_INDEXES:  # formula_escape, inlined: it runs for every row
            if (value := row[index]) and value[0] in FORMULA_STARTS:
                row[index] = f"'{value}"
        self.writer.writerow(row)

    def close(self):
        self.file.flush()
        self.file.detach()


class XlsxWriter:
    def __init__(self, stream):
        self.stream = stream
        self.workbook = Workbook(write_only=True)
        self.sheet = self.workbook.create_sheet("events")
        self.sheet.append(COLUMNS)

    def write(self, values):
        self.sheet.append([xlsx_cell(value) for value in values])

    def close(self):
        self.workbook.save(self.stream)


def xlsx_cell(value):
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", formula_escape(value))
    return value


class JsonWriter:
    """A JSON array of objects, one line per event."""

    opening, closing = "[\n", "\n]\n"

    def __init__(self, stream):
        self.file = io.TextIOWrapper(stream, encoding="utf-8")
        self.file.write(self.opening)
        self.separator = ""

    def write(self, values):
        self.file.write(self.separator + json.dumps(self.item(values), ensure_ascii=False))
        self.separator = ",\n"

    def item(self, values):
        return dict(zip(COLUMNS, values, strict=True))

    def close(self):
        self.file.write(self.closing)
        self.file.flush()
        self.file.detach()


class GeoJsonWriter(JsonWriter):
    """A FeatureCollection: a point per event (null geometry for an event without a place)."""

    opening, closing = '{"type":"FeatureCollection","features":[\n', "\n]}\n"

    def item(self, values):
        properties = dict(zip(COLUMNS, values, strict=True))
        latitude, longitude = properties.pop("latitude"), properties.pop("longitude")
        geometry = None
        if latitude is not None and longitude is not None:
            geometry = {"type": "Point", "coordinates": [longitude, latitude]}
        return {"type": "Feature", "geometry": geometry, "properties": properties}


WRITERS = {"csv": CsvWriter, "xlsx": XlsxWriter, "json": JsonWriter, "geojson": GeoJsonWriter}
