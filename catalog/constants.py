"""The identifiers used everywhere (domain.md, "Identifiers used everywhere")."""

from django.db import models


class Size(models.TextChoices):
    SQUARE = "1024x1024", "1024x1024 (square)"
    PORTRAIT = "1024x1536", "1024x1536 (portrait)"
    LANDSCAPE = "1536x1024", "1536x1024 (landscape)"


class Quality(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class Mode(models.TextChoices):
    INTERACTIVE = "interactive", "Interactive"
    BATCH = "batch", "Batch"


class Tier(models.TextChoices):
    FREE = "free", "Free"
    TIER1 = "tier1", "Tier 1"
    TIER2 = "tier2", "Tier 2"
    TIER3 = "tier3", "Tier 3"
    TIER4 = "tier4", "Tier 4"
    TIER5 = "tier5", "Tier 5"


class TokenKind(models.TextChoices):
    TEXT_INPUT = "text_input", "Text input"
    CACHED_TEXT_INPUT = "cached_text_input", "Cached text input"
    IMAGE_INPUT = "image_input", "Image input"
    CACHED_IMAGE_INPUT = "cached_image_input", "Cached image input"
    IMAGE_OUTPUT = "image_output", "Image output"


class Role(models.TextChoices):
    BUDGET = "budget", "Budget"
    FLAGSHIP = "flagship", "Flagship"
    LEGACY = "legacy", "Legacy"


class Lifecycle(models.TextChoices):
    CURRENT = "current", "Current"
    LEGACY = "legacy", "Legacy"
    RETIRED = "retired", "Retired"
