"""Who is calling: an identity with a role, from a bearer credential or a staff session.

Every route names its owner with `allow(...)` (or `TechnicianDep` for the field app). Without a
credential the answer is 401 with a `WWW-Authenticate` challenge; with one of the wrong role,
403. A technician's id comes from the credential, never from the URL: the id in the path must
be the caller's own.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPBearer

from hub.domain.work_order import WorkOrder
from hub.identity.errors import Unauthenticated
from hub.identity.roles import Identity, Role
from hub.web.deps import (
    AuthenticatorDep,
    OrderIdPath,
    OrdersDep,
    StaffSessionsDep,
    TechnicianIdPath,
)

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="Bearer",
    description="`Authorization: Bearer <token>`: a hub API token (`hub users add`, `hub users "
    "demo`) or an access token from the operator's identity provider (`HUB_OIDC_*`).",
)
REALM = "delivery-hub"
SAFE_METHODS = frozenset({"GET", "HEAD"})


def _challenge(reason: str | None = None) -> dict[str, str]:
    if reason is None:
        return {"WWW-Authenticate": f'Bearer realm="{REALM}"'}
    quoted = reason.replace('"', "'")
    return {
        "WWW-Authenticate": (
            f'Bearer realm="{REALM}", error="invalid_token", error_description="{quoted}"'
        )
    }


async def current_identity(
    request: Request,
    authenticator: AuthenticatorDep,
    sessions: StaffSessionsDep,
    _scheme: Annotated[object, Depends(bearer)] = None,
) -> Identity:
    """The caller, from `Authorization: Bearer …`; on GET pages also a staff session cookie.

    A session cookie never authorises a change (only GET and HEAD), so a page elsewhere cannot
    make a signed-in browser act.
    """
    header = request.headers.get("authorization")
    try:
        if header is None and request.method in SAFE_METHODS:
            credential = sessions.credential(request.cookies.get(sessions.cookie_name))
            if credential is not None:
                header = f"Bearer {credential}"
        if header is None and _browser_page(request):
            raise HTTPException(
                status.HTTP_303_SEE_OTHER,
                "sign in first",
                headers={"Location": f"/login?next={quote(request.url.path)}"},
            )
        if header is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "sign in: send 'Authorization: Bearer <token>' (a hub API token or your "
                "identity provider's access token)",
                headers=_challenge(),
            )
        identity = await authenticator.authenticate(header)
    except Unauthenticated as exc:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            f"the credential was not accepted: {exc.reason}",
            headers=_challenge(exc.reason),
        ) from exc
    request.state.identity = identity
    return identity


def _browser_page(request: Request) -> bool:
    """A person's browser asking for a page (not an API client): send them to sign in."""
    return request.method in SAFE_METHODS and "text/html" in request.headers.get("accept", "")


IdentityDep = Annotated[Identity, Depends(current_identity)]


def role_required(*roles: Role) -> Any:
    """A dependency that answers 403 unless the caller has one of `roles`."""
    allowed = frozenset(roles)
    names = ", ".join(sorted(role.value for role in allowed))

    async def with_role(identity: IdentityDep) -> Identity:
        if identity.role not in allowed:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                f"a {identity.role.value} may not do this; it needs one of: {names}",
            )
        return identity

    return with_role


def allow(*roles: Role) -> Any:
    """`dependencies=[allow(...)]` on a router or route: only callers with one of `roles`."""
    return Depends(role_required(*roles))


# Who may call what (the table in docs/security.md).
INTAKE = (Role.DISPATCHER, Role.SUPPORT_SYSTEM)
ORDER_READERS = (*INTAKE, Role.ACCOUNT_MANAGER, Role.SUPERVISOR)
FULL_PHONE_READERS = frozenset(INTAKE)
EXCEPTION_DESK = (Role.SUPERVISOR, Role.DISPATCHER)
EXCEPTION_READERS = (*EXCEPTION_DESK, Role.ACCOUNT_MANAGER)  # the directory texts them too
DIRECTORY_EDITORS = (Role.SUPERVISOR,)
VERIFIERS = (Role.ACCOUNT_MANAGER, Role.SUPERVISOR, Role.SUPPORT_SYSTEM, Role.BILLING_SYSTEM)
OPERATORS = (Role.OPS, Role.SUPERVISOR)
STAFF = tuple(role for role in Role if role is not Role.TECHNICIAN)


async def authenticated_technician(technician_id: TechnicianIdPath, identity: IdentityDep) -> str:
    """The technician in the path, if that is who is calling (403 otherwise)."""
    if identity.role is not Role.TECHNICIAN:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"the field-app API is for technicians; a {identity.role.value} may not use it",
        )
    if identity.technician_id != technician_id:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"this credential is technician {identity.technician_id}'s; it cannot act for "
            f"technician {technician_id}",
        )
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
