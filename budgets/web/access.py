"""Who may open a team's pages: the same rules as the API (domain.md, "People").

A team the user does not belong to does not exist for them (404, staff included);
a role too low for the action is 403.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from budgets import selectors
from budgets.api.permissions import role_allows
from budgets.models import Membership, Team

VIEWER, MEMBER, OWNER = Membership.Role.VIEWER, Membership.Role.MEMBER, Membership.Role.OWNER


def team_for_member(request: HttpRequest, slug: str, *, minimum_role: str = VIEWER) -> tuple[Team, str]:
    """The team ``slug`` and the user's role in it, in one query.

    Raises Http404 when the user does not belong to the team (or is anonymous) and
    PermissionDenied when their role is below ``minimum_role``. The team carries
    ``team_stale``: whether a recompute of it is pending.
    """
    membership = selectors.team_membership_get(user=request.user, slug=slug)
    if membership is None:
        raise Http404("No such team.")
    if not role_allows(membership.role, minimum_role):
        raise PermissionDenied(
            f"Your role in this team is {membership.role}; this needs the {minimum_role} role or higher."
        )
    team = membership.team
    team.team_stale = membership.team_stale
    return team, membership.role


def can_write(role: str) -> bool:
    """Whether ``role`` may write plans (members and owners)."""
    return role_allows(role, MEMBER)
