"""The service desk over its REST API: HttpServiceDesk, and the request shapes it shares with the server."""
from backend_client.http.client import HttpServiceDesk

__all__ = ["HttpServiceDesk"]
