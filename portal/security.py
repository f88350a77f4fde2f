def axes_username(request, credentials) -> str | None:
    """Count failed logins per address whatever its case, as logins are case-insensitive."""
    username = (credentials or {}).get("username") or request.POST.get("username")
    return username.strip().lower() if username else None
