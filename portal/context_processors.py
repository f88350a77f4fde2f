from django.conf import settings


def site(request):
    user = request.user

    def is_patient() -> bool:
        # Called by the template only where it asks (the site's pages, not the admin's): one query at most,
        # and Django caches the answer on the user.
        return user.is_authenticated and hasattr(user, "patient")

    return {
        "site_name": settings.SITE_NAME,
        "is_patient": is_patient,
        "admin_url": "/" + settings.ADMIN_URL,
    }
