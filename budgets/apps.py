from django.apps import AppConfig


class BudgetsConfig(AppConfig):
    name = "budgets"
    verbose_name = "Teams and budgets"

    def ready(self) -> None:
        from budgets import receivers  # noqa: F401  (connects the catalog signals)
