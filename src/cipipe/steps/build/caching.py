"""Which trees compile through the compiler cache, with how many jobs, and what it did for them.

A platform's build and its coverage tree go through ccache when it is installed (and
``build.compiler_cache`` is not false), so each compiles only what changed since a tree with the
same flags was last built on the agent. The reproducibility rebuild never does: answered from
the first build's objects, it would prove nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cipipe.adapters.compiler_cache import CompilerCache, read_stats_log, without_compiler_cache
from cipipe.contracts.artifacts import CompilerCacheUse


@dataclass(frozen=True)
class CompileSettings:
    """How one tree compiles: its share of the CPU budget, its environment and the compiler
    cache it goes through (None: none, and ``env`` has ccache disabled)."""

    jobs: int
    env: Mapping[str, str]
    cache: CompilerCache | None = None

    def extra_env(self, stats_log: Path) -> dict[str, str] | None:
        return self.cache.launcher_env(stats_log) if self.cache else None


def compile_settings_for(
    env: Mapping[str, str],
    cache: CompilerCache | None,
    jobs: int,
    *,
    use_cache: bool,
    recheck: bool = False,
) -> CompileSettings:
    """``use_cache``: the policy's build.compiler_cache; ``recheck``: a reproducibility rebuild."""
    if recheck or not use_cache:
        return CompileSettings(jobs, without_compiler_cache(env))
    return CompileSettings(jobs, env, cache)


def cache_use(cache: CompilerCache, stats_log: Path) -> CompilerCacheUse:
    """What the cache did for the one build that wrote ``stats_log``."""
    stats = read_stats_log(stats_log)
    return CompilerCacheUse(
        tool="ccache",
        cache_dir=str(cache.cache_dir) if cache.cache_dir else None,
        hits=stats.hits,
        misses=stats.misses,
        uncacheable=stats.uncacheable,
    )
