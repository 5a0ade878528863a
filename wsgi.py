"""WSGI entry point: ``gunicorn wsgi:app`` and ``flask --app wsgi``."""
import gc

from comments_service import create_app

app = create_app()
# What loading made (the modules, the app, its schemas and statements: about 160,000 objects) lives as long as
# the process: frozen, the collector no longer walks it. Otherwise each full collection did, 40 to 70 ms in which
# the worker answered nobody; with kept-alive connections (gevent, gthread) every request on that worker waited.
gc.freeze()
