from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.db.models.signals import post_migrate


class PortalConfig(AppConfig):
    default = True
    name = "portal"
    verbose_name = "Portal"

    def ready(self) -> None:
        import portal.emails  # noqa: F401 - registers the portal's email kinds
        from portal import locale
        from portal.roles import sync_roles

        locale.connect()  # a patient's language follows them into the session at log-in

        # Groups are derived from portal/roles.py; keep them in step after each migrate.
        post_migrate.connect(sync_roles, dispatch_uid="portal.sync_roles")


class PortalAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "portal.admin_site.PortalAdminSite"
