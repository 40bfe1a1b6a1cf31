"""hypothesis profiles: the same examples on every run of make test and CI, random and many more in make fuzz.

HYPOTHESIS_PROFILE picks one: "ci" (the default) or "fuzz". Tests that set their own example count pass it
through examples(), so make fuzz raises it too: an explicit max_examples would otherwise win over the profile.
"""

import os

from hypothesis import settings

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
# How many times more examples make fuzz runs than make test; HYPOTHESIS_FUZZ_FACTOR changes it.
FUZZ_FACTOR = int(os.environ.get("HYPOTHESIS_FUZZ_FACTOR", "10"))
# hypothesis's own default, for tests that set no count of their own.
DEFAULT_EXAMPLES = 100


def examples(count: int) -> int:
    """Return a test's example count: as written for make test and CI, FUZZ_FACTOR times it for make fuzz."""
    return count * FUZZ_FACTOR if PROFILE == "fuzz" else count


def load_profile() -> None:
    """Register both profiles and load the one HYPOTHESIS_PROFILE names."""
    # A derandomized run draws the same examples every time, so a failure in make test or CI is a
    # real one that the next run shows again, never a draw that happened to be unlucky.
    settings.register_profile(
        "ci",
        derandomize=True,
        max_examples=DEFAULT_EXAMPLES,
        deadline=None,
        print_blob=True,
        database=None,
    )
    # Random seeds and more examples look where make test does not; the example database (in
    # .hypothesis/) replays a failure first on the next run, and print_blob says how to pin it.
    settings.register_profile(
        "fuzz",
        derandomize=False,
        max_examples=DEFAULT_EXAMPLES * FUZZ_FACTOR,
        deadline=None,
        print_blob=True,
    )
    settings.load_profile(PROFILE)
