"""Who may do what in a team (domain.md, "People").

Roles are ordered: a viewer reads, a member also writes plans, retry statistics
and acknowledges alerts, an owner also writes the team, its budget, members and
webhook. A team the caller does not belong to does not exist for them: 404,
never 403, staff included.
"""

from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from budgets.models import Membership

VIEWER, MEMBER, OWNER = Membership.Role.VIEWER, Membership.Role.MEMBER, Membership.Role.OWNER
ROLE_RANK = {VIEWER: 0, MEMBER: 1, OWNER: 2}


def role_allows(role: str, required: str) -> bool:
    """Whether ``role`` is at least ``required``.

    >>> role_allows("owner", "member"), role_allows("viewer", "member")
    (True, False)
    """
    return ROLE_RANK[role] >= ROLE_RANK[required]


class HasTeamRole(BasePermission):
    """Resolves the team through the caller's membership (404 if none), then checks the
    role the view requires for the request's method (403 if too low).

    The view provides ``resolve_team(request)`` and ``required_role(request)``.
    """

    def has_permission(self, request: Request, view: APIView) -> bool:
        membership = view.resolve_team(request)
        if membership is None:
            raise NotFound("No such team.")
        required = view.required_role(request)
        if not role_allows(membership.role, required):
            raise PermissionDenied(
                f"Your role in this team is {membership.role}; this needs the {required} role or higher."
            )
        return True
