"""Build history: what each build touched and how it ended, so a rollout can weigh the past."""
