"""What gunicorn and `flask --app wsgi` serve: the registry built from the environment."""

from registry.app import create_app

app = create_app()
