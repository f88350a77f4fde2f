import importlib.util

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from portal.demo import DEMO_PASSWORD


class Command(BaseCommand):
    help = "Create the demo clinics, users and content. Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off.")

    def handle(self, *args, force: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates users with a known password; it refuses to run with DEBUG off. "
                "Pass --force if you really mean it."
            )
        demo: dict = {}
        with transaction.atomic():
            # Each app seeds its own data in INSTALLED_APPS order (portal before the apps); portal names no app.
            for config in apps.get_app_configs():
                module_name = f"{config.name}.demo"
                if importlib.util.find_spec(module_name) is not None:
                    importlib.import_module(module_name).seed(demo)
        self.stdout.write(self.style.SUCCESS("Demo data is ready. Log in at /accounts/login/ with:"))
        for email in demo["logins"]:
            self.stdout.write(f"  {email:<24} password: {DEMO_PASSWORD}")
