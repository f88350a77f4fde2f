from django.conf import settings


def site(request):
    user = request.user
    return {
        "site_name": settings.SITE_NAME,
        "is_patient": user.is_authenticated and hasattr(user, "patient"),
        "admin_url": "/" + settings.ADMIN_URL,
    }
