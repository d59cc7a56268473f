"""Production settings plus the benchmark's floor view (bench/, issue 7); never deployed."""

from .settings import *  # noqa: F403 -- the production settings, unchanged

ROOT_URLCONF = "bench.urls"
