"""Cadre SDK for Python: a typed client of the Cadre REST API (standard library only, Python 3.9+).

    from cadre_sdk import CadreClient
    cadre = CadreClient("https://cadre.example.com", "cadre_...")
    run = cadre.start_run({"agent": "writer", "input": "Hello"})
    for event in cadre.follow_run_events(run["id"]):
        print(event["type"])
"""

from ._transport import TERMINAL_EVENTS, CadreApiError
from .client import API_VERSION, CadreClient

__all__ = ["API_VERSION", "TERMINAL_EVENTS", "CadreApiError", "CadreClient"]
__version__ = "0.1.0"
