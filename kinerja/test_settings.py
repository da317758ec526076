"""Settings for the test suite: production settings with a known key and a fast hasher."""

import os

os.environ.setdefault("SECRET_KEY", "kinerja-tests-only-secret-key-0123456789-abcdefghijklmnop")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SESSION_COOKIE_SECURE", "0")
os.environ.setdefault("CSRF_COOKIE_SECURE", "0")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")

from kinerja.settings import *  # noqa: F403
from kinerja.settings import PASSWORD_HASHERS as PRODUCTION_PASSWORD_HASHERS

# Argon2 on every factory-made user would slow the suite; tests of hashing use the real list.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PRODUCTION_PASSWORD_HASHERS]

# Mail stays in django.core.mail.outbox.
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
