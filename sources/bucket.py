"""The private storage in an S3-compatible bucket (django-storages, boto3), chosen by
STORAGE_BUCKET: objects hold only ciphertext (sources.storage) and are read as streams."""

from botocore.exceptions import ClientError
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

from sources.storage import EncryptedStorage


class EncryptedS3Storage(EncryptedStorage, S3Storage):
    """Objects are labelled application/octet-stream (they are ciphertext whatever their
    name says) and downloaded as a stream, never spooled to a local temporary file."""

    def get_default_settings(self):
        defaults = super().get_default_settings()
        defaults["object_parameters"] = {"ContentType": "application/octet-stream"}
        return defaults

    def object_key(self, name):
        return self._normalize_name(clean_name(name))

    def object_get(self, name, **options):
        client = self.connection.meta.client
        try:
            return client.get_object(Bucket=self.bucket_name, Key=self.object_key(name), **options)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in {"NoSuchKey", "404"}:
                raise FileNotFoundError(f"No stored file {name}.") from None
            raise

    def ciphertext_open(self, name):
        response = self.object_get(name)
        return response["Body"], response["ContentLength"]

    def ciphertext_head(self, name, length):
        body = self.object_get(name, Range=f"bytes=0-{length - 1}")["Body"]
        try:
            return body.read()
        finally:
            body.close()

    def ciphertext_save(self, name, stream):
        S3Storage._save(self, name, stream)

    def ciphertext_files(self):
        prefix = self.object_key("").rstrip("/")
        prefix = f"{prefix}/" if prefix else ""
        pages = self.connection.meta.client.get_paginator("list_objects_v2")
        for page in pages.paginate(Bucket=self.bucket_name, Prefix=prefix):
            for entry in page.get("Contents", ()):
                yield entry["Key"][len(prefix) :], entry["Size"]
