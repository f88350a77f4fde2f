"""Uploads in an S3-compatible bucket (AWS S3, MinIO), used when AWS_STORAGE_BUCKET_NAME is set.

The bucket stays private: a file's URL is the portal's own /media/… path, which portal/media.py serves
through the storage API, exactly as for the filesystem. Pages, the Content-Security-Policy and the caching
headers are therefore the same whichever storage holds the files.
"""

from urllib.parse import urljoin

from django.conf import settings
from django.utils.encoding import filepath_to_uri
from storages.backends.s3 import S3Storage


class PrivateBucketStorage(S3Storage):
    def url(self, name, parameters=None, expire=None, http_method=None):
        return urljoin(settings.MEDIA_URL, filepath_to_uri(name))  # Django adds the script prefix: /media/
