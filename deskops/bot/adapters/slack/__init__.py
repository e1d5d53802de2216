"""Slack adapter (slack-bolt): translates Slack payloads to Command/Reply."""
