"""Who is calling: the field-app gateway token, the technician, and the orders they may touch."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from hub.domain.work_order import WorkOrder
from hub.web.deps import OrderIdPath, OrdersDep, SettingsDep, TechnicianIdPath

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="FieldAppToken",
    description="`Authorization: Bearer <HUB_FIELD_APP_TOKEN>`; not required when it is unset.",
)
_CHALLENGE = {"WWW-Authenticate": "Bearer"}


async def require_field_app_token(
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> None:
    """401 unless the request carries the configured field-app token."""
    expected = settings.field_app_token
    if expected is None:
        return
    if credentials is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "this API needs the field-app token: send 'Authorization: Bearer <token>'",
            headers=_CHALLENGE,
        )
    if not hmac.compare_digest(
        credentials.credentials.encode(), expected.get_secret_value().encode()
    ):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "the bearer token is not valid", headers=_CHALLENGE
        )


async def authenticated_technician(
    technician_id: TechnicianIdPath,
    _auth: Annotated[None, Depends(require_field_app_token)],
) -> str:
    """The technician named in the path, once the gateway token has been checked."""
    return technician_id


TechnicianDep = Annotated[str, Depends(authenticated_technician)]


async def assigned_order(
    orders: OrdersDep, technician_id: TechnicianDep, order_id: OrderIdPath
) -> WorkOrder:
    """The order in the path if it is dispatched to the calling technician; otherwise 404,
    whether or not it exists, so order ids do not leak."""
    order = await orders.find(order_id)
    if order is None or order.technician is None or order.technician.id != technician_id:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, f"technician {technician_id} has no work order {order_id}"
        )
    return order


AssignedOrder = Annotated[WorkOrder, Depends(assigned_order)]
