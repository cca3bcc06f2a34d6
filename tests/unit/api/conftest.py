from api_rig import api

__all__ = ["api"]
