from api_rig import api
from v1_rig import v1

__all__ = ["api", "v1"]
