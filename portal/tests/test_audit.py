from portal.models import AuditEvent


def test_viewing_a_patient_in_the_admin_is_audited(client, physio, patient):
    client.force_login(physio)
    client.get(f"/admin/portal/patient/{patient.pk}/change/", REMOTE_ADDR="203.0.113.7")
    event = AuditEvent.objects.get(action="view")
    assert (event.actor, event.model, event.object_id) == (physio, "portal.Patient", str(patient.pk))
    assert event.clinic_id == patient.clinic_id
    assert event.ip_address == "203.0.113.7"


def test_listing_and_changing_patients_are_audited(client, physio, patient):
    client.force_login(physio)
    client.get("/admin/portal/patient/")
    client.post(
        f"/admin/portal/patient/{patient.pk}/change/",
        {
            "email": patient.user.email,
            "first_name": "New",
            "last_name": "Name",
            "primary_physio": physio.pk,
            "timezone": "Europe/London",
            "check_in_schedules-TOTAL_FORMS": 0,
            "check_in_schedules-INITIAL_FORMS": 0,
        },
    )
    assert list(AuditEvent.objects.order_by("at").values_list("action", flat=True)) == ["list", "change"]


def test_clinic_admin_reads_only_their_clinics_audit_trail(client, physio, physio2, patient, patient2, clinic_admin):
    for user, record in ((physio, patient), (physio2, patient2)):
        client.force_login(user)
        client.get(f"/admin/portal/patient/{record.pk}/change/")
    client.force_login(clinic_admin)
    response = client.get("/admin/portal/auditevent/")
    assert response.status_code == 200
    assert [e.actor for e in response.context["cl"].result_list] == [physio]


def test_nobody_can_edit_or_delete_the_audit_trail(client, superuser, physio, patient):
    client.force_login(physio)
    client.get(f"/admin/portal/patient/{patient.pk}/change/")
    event = AuditEvent.objects.get()
    client.force_login(superuser)
    assert client.get("/admin/portal/auditevent/add/").status_code == 403
    assert client.post(f"/admin/portal/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    client.post(f"/admin/portal/auditevent/{event.pk}/change/", {"action": "list"})
    event.refresh_from_db()
    assert event.action == "view"


def test_physio_cannot_read_the_audit_trail(client, physio):
    client.force_login(physio)
    assert client.get("/admin/portal/auditevent/").status_code == 403
