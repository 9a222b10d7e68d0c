"""The Infrastructure Partnership Registry. `registry.app.create_app` builds the Flask
application; ARCHITECTURE.md says what each module and folder is for."""
