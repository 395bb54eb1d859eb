"""Production: everything from the environment; refuses to start without SECRET_KEY."""

from django.core.exceptions import ImproperlyConfigured

from config.settings.base import *  # noqa: F403
from config.settings.base import env

try:
    SECRET_KEY = env("SECRET_KEY")
except ImproperlyConfigured as error:
    raise ImproperlyConfigured("SECRET_KEY must be set in the environment for production.") from error

DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
