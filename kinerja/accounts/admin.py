from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Log-ins are the installation superuser's; agency administrators create them from the
    people list (action "create log-ins")."""

    fieldsets = (*DjangoUserAdmin.fieldsets, ("Kinerja", {"fields": ("language",)}))
