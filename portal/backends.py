"""The login backend: Django's ModelBackend, reading a patient's record and clinic with the user.

Every patient page needs the user and their patient record; read together they are one query instead of two on
each request (staff have no patient record: the join finds nothing).
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class UserWithPatientBackend(ModelBackend):
    def get_user(self, user_id):
        try:
            user = get_user_model()._default_manager.select_related("patient__clinic").get(pk=user_id)
        except get_user_model().DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
