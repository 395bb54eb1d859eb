"""Imports go budgets -> routing -> catalog -> audit, never back (style.md, "clear app borders")."""

import ast
from pathlib import Path

import pytest
from django.conf import settings

FORBIDDEN = {
    "audit": ("catalog", "routing", "budgets"),
    "catalog": ("routing", "budgets"),
    "routing": ("budgets",),
}


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
    return modules


@pytest.mark.parametrize("app", sorted(FORBIDDEN))
def test_an_app_never_imports_the_apps_that_depend_on_it(app):
    offenders = [
        f"{path.relative_to(settings.BASE_DIR)} imports {module}"
        for path in sorted((Path(settings.BASE_DIR) / app).rglob("*.py"))
        for module in _imported_modules(path)
        if module.split(".")[0] in FORBIDDEN[app]
    ]

    assert offenders == []
