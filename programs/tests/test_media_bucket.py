"""Media in an S3-compatible bucket (portal.storage.PrivateBucketStorage): objects in the bucket, nothing on
disk, the portal's own /media/ URL, served through the storage API with the same headers."""

import os
import subprocess
import sys

from programs.tests.test_media import first_exercise, upload_picture


def test_in_a_bucket_the_file_is_an_object_there_and_not_on_disk(client, program, s3_storage, settings):
    image = upload_picture(first_exercise(program))

    assert [item.key for item in s3_storage.bucket.objects.all()] == [image.image.name]
    assert not (settings.MEDIA_ROOT / image.image.name).exists()
    assert image.image.url == f"/media/{image.image.name}"
    response = client.get(image.image.url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"


def test_a_file_missing_from_the_bucket_is_a_404(client, s3_storage, db):
    assert client.get("/media/exercises/not-there.jpg").status_code == 404


def printed_by_a_process_with_a_bucket(script: str, settings) -> list[str]:
    """What `script` prints in a new process set up as compose starts the portal: the four variables naming the
    bucket, and nothing else."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "AWS_STORAGE_BUCKET_NAME": settings.AWS_STORAGE_BUCKET_NAME,
        "AWS_S3_ENDPOINT_URL": settings.AWS_S3_ENDPOINT_URL,
        "AWS_ACCESS_KEY_ID": "test-only",
        "AWS_SECRET_ACCESS_KEY": "test-only",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    command = [sys.executable, "-c", f"import django; django.setup(); {script}"]
    return subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout.split()


def test_a_process_started_with_a_bucket_named_stores_its_uploads_there(s3_storage, settings):
    """The settings' wiring, as compose starts the portal: the four variables and nothing else."""
    script = (
        "from django.core.files.base import ContentFile; from django.core.files.storage import default_storage;"
        "from django.core.files.storage import storages; print(type(storages['default']).__name__);"
        "name = default_storage.save('exercises/from-env.txt', ContentFile(b'hello')); print(default_storage.url(name))"
    )
    printed = printed_by_a_process_with_a_bucket(script, settings)
    assert printed == ["PrivateBucketStorage", "/media/exercises/from-env.txt"]
    assert s3_storage.open("exercises/from-env.txt").read() == b"hello"
