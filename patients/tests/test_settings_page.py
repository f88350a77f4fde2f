def test_patient_saves_reminder_settings(client, patient):
    client.force_login(patient.user)
    response = client.post(
        "/my/settings/",
        {
            "reminder_time": "07:30",
            "timezone": "America/New_York",
            "quiet_hours_start": "22:00",
            "quiet_hours_end": "07:00",
        },
        follow=True,
    )
    assert "Your settings are saved." in response.content.decode()
    patient.refresh_from_db()
    assert (str(patient.reminder_time), patient.timezone) == ("07:30:00", "America/New_York")


def test_bad_settings_are_refused_and_what_was_typed_is_kept(client, patient):
    client.force_login(patient.user)
    response = client.post(
        "/my/settings/",
        {
            "reminder_time": "25:99",
            "timezone": "Mars/Olympus",
            "quiet_hours_start": "22:00",
            "quiet_hours_end": "07:00",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Enter a valid time" in html
    assert "Select a valid choice" in html
    assert 'value="25:99"' in html
    patient.refresh_from_db()
    assert patient.timezone == "Europe/London"


def test_rotating_the_calendar_link_changes_the_token(client, patient):
    old = patient.calendar_token
    client.force_login(patient.user)
    html = client.get("/my/settings/").content.decode()
    assert f'href="webcal://testserver/my/calendar/{old}.ics"' in html  # "Add to my calendar"
    assert f'href="/my/calendar/{old}.ics?download=1"' in html
    client.post("/my/settings/calendar/rotate/")
    patient.refresh_from_db()
    assert patient.calendar_token != old
    assert str(old) not in client.get("/my/settings/").content.decode()


def test_rotate_needs_post(client, patient):
    client.force_login(patient.user)
    assert client.get("/my/settings/calendar/rotate/").status_code == 405
