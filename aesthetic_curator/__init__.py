"""Aesthetic Curator: score, personalise, cull and export a photo album."""

import os

__version__ = "0.1.0"

# Torch's OpenMP threads sleep at once when they wait for each other, instead of spinning. On a CPU shared with
# other programs (a 2-core laptop with a browser open) a spinning thread waits for a partner the OS has
# descheduled: one training step was measured at 8-17 s instead of 1 s, so a Cancel (which takes effect between
# layers) waited as long. Set before torch is first imported (it reads this once); a user's own setting wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
