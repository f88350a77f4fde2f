"""The installable web app: its manifest, and a service worker whose every precached file exists."""

import json
import re

from django.contrib.staticfiles import finders

from portal.views import OFFLINE_FILES, OFFLINE_PAGES
from programs.services import assign_program
from programs.tests.factories import make_template


def test_the_manifest_opens_todays_routine_with_icons_that_exist(client):
    response = client.get("/manifest.webmanifest")
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["start_url"] == "/my/" and manifest["display"] == "standalone"
    for icon in manifest["icons"]:
        assert finders.find(icon["src"].removeprefix("/static/")), icon
    assert {icon["sizes"] for icon in manifest["icons"]} == {"192x192", "512x512"}


def test_the_service_worker_is_served_from_the_root_and_precaches_real_files(client):
    response = client.get("/sw.js")
    assert response["Content-Type"] == "text/javascript" and response["Cache-Control"] == "no-cache"
    script = response.content.decode()
    precache = json.loads(re.search(r"const PRECACHE = (\[.*?\]);", script).group(1))
    assert [url.removeprefix("/static/") for url in precache] == OFFLINE_FILES
    assert all(finders.find(name) for name in OFFLINE_FILES)
    assert json.loads(re.search(r"const OFFLINE_PAGES = (\[.*?\]);", script).group(1)) == OFFLINE_PAGES
    assert json.loads(re.search(r"const FORGET_ON = (\[.*?\]);", script).group(1)) == [
        "/accounts/login/",
        "/accounts/logout/",
    ]


def test_today_registers_the_worker_and_links_the_manifest(client, patient, physio):
    assign_program(patient=patient, physio=physio, template=make_template(), start_date=patient.local_today())
    client.force_login(patient.user)
    html = client.get("/my/").content.decode()
    assert 'rel="manifest" href="/manifest.webmanifest"' in html
    assert "/static/patients/offline.js" in html
    assert f'data-offline-queue="{patient.user.pk}"' in html
