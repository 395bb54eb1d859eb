from django.core.management.base import BaseCommand, CommandError

from budgets.models import Team
from budgets.recompute import CHUNK_SIZE, teams_recompute


class Command(BaseCommand):
    help = "Recompute projections, recommendations and alerts now, in this process (all teams, or one)."

    def add_arguments(self, parser):
        parser.add_argument("--team", metavar="SLUG", help="Only this team.")

    def handle(self, *args, team: str | None = None, **options):
        teams = Team.objects.order_by("pk")
        if team is not None:
            teams = teams.filter(slug=team)
            if not teams.exists():
                raise CommandError(f"No team has the slug {team!r}.")
        team_ids = list(teams.values_list("pk", flat=True))
        totals = {"teams": 0, "plans": 0, "projections": 0, "alerts_opened": 0, "alerts_resolved": 0}
        for start in range(0, len(team_ids), CHUNK_SIZE):
            summary = teams_recompute(team_ids=team_ids[start : start + CHUNK_SIZE])
            for name in totals:
                totals[name] += getattr(summary, name)
        self.stdout.write(
            "Recomputed {teams} teams: {plans} plans, {projections} projections, "
            "{alerts_opened} alerts opened, {alerts_resolved} resolved.".format(**totals)
        )
