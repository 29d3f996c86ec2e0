"""The code host (GitHub) behind ``CodeHost``: PR comments and commit statuses."""
