"""Staff roles as groups, and what each may do in the admin.

Permissions are named by app label and model so that `portal` imports no app.
`sync_roles` runs after every migrate, so a new model's permissions reach the
groups without a data migration.
"""

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

CLINIC_ADMIN = "Clinic admin"
PHYSIOTHERAPIST = "Physiotherapist"
CONTENT_EDITOR = "Content editor"

ALL = ("view", "add", "change", "delete")
EDIT = ("view", "add", "change")
VIEW = ("view",)

# role -> {"app_label" or "app_label.model": actions}
ROLES: dict[str, dict[str, tuple[str, ...]]] = {
    CLINIC_ADMIN: {
        "portal.user": EDIT,
        "portal.clinicianprofile": ALL,
        "portal.clinic": ("view", "change"),
        "portal.auditevent": VIEW,
        "portal.outboundemail": ("view", "change"),
        "portal.patient": EDIT,
        "programs": EDIT,
        "patients": EDIT,
        "articles": VIEW,
        "articles.reading": ALL,  # a programme's reading list
        "articles.templatereading": ALL,
    },
    PHYSIOTHERAPIST: {
        "portal.user": VIEW,
        "portal.clinic": VIEW,
        "portal.patient": EDIT,
        "programs": EDIT,
        "patients": EDIT,
        "articles": VIEW,
        "articles.reading": ALL,  # a programme's reading list
        "articles.templatereading": ALL,
    },
    CONTENT_EDITOR: {
        "articles": ALL,
        "programs.exercise": EDIT,
        "programs.exerciseimage": ALL,
    },
}

# Extra, named permissions granted on top of the model ones ("app_label.codename").
# "Clinical reviewer": clinicians sign off article and exercise content; editors cannot review their own writing.
EXTRA_PERMISSIONS: dict[str, tuple[str, ...]] = {
    CLINIC_ADMIN: ("articles.can_review_clinically", "programs.can_review_clinically"),
    PHYSIOTHERAPIST: ("articles.can_review_clinically", "programs.can_review_clinically"),
    CONTENT_EDITOR: (),
}

# Clinical roles see patient data; their admin pages are scoped to their clinic.
CLINICAL_ROLES = (CLINIC_ADMIN, PHYSIOTHERAPIST)


def _permission_query(target: str, actions: tuple[str, ...]) -> Q:
    app_label, _, model = target.partition(".")
    query = Q(content_type__app_label=app_label)
    if model:
        query &= Q(content_type__model=model)
    codename_prefixes = Q()
    for action in actions:
        codename_prefixes |= Q(codename__startswith=f"{action}_")
    return query & codename_prefixes


def sync_roles(**_kwargs) -> None:
    for role, grants in ROLES.items():
        group, _ = Group.objects.get_or_create(name=role)
        query = Q(pk__in=[])
        for target, actions in grants.items():
            query |= _permission_query(target, actions)
        for name in EXTRA_PERMISSIONS.get(role, ()):
            app_label, codename = name.split(".")
            query |= Q(content_type__app_label=app_label, codename=codename)
        group.permissions.set(Permission.objects.filter(query))


# --- Who may manage whose staff account ---------------------------------------------------------------
# A clinic admin manages the roles below theirs, in their own clinic: never a superuser, another clinic
# admin, a content editor (a role across clinics), nor their own account's roles.
MANAGED_BY_CLINIC_ADMINS = (PHYSIOTHERAPIST,)


def role_names(user) -> set[str]:
    return set(user.groups.values_list("name", flat=True)) if user.pk else set()


def grantable_roles(actor) -> tuple[str, ...]:
    """The roles `actor` may give: every role for a superuser, the roles below theirs for a clinic admin."""
    if actor.is_superuser:
        return tuple(ROLES)
    if actor.clinic_id and CLINIC_ADMIN in role_names(actor):
        return MANAGED_BY_CLINIC_ADMINS
    return ()


def can_manage(actor, target) -> bool:
    """May `actor` edit, deactivate or reset the password of `target`'s account?"""
    if actor.is_superuser:
        return True
    if target.is_superuser or target.pk == actor.pk or target.clinic_id != actor.clinic_id:
        return False
    grantable = grantable_roles(actor)
    return bool(grantable) and role_names(target) <= set(grantable)
