"""Notification channels: Slack (bot or webhook) in production, a file in the work folder by
default. Steps use ``Notifier`` and ``deliver``; ``open_notifier`` picks the channel."""
