"""End-to-end tests of the Slack adapter through the real slack-bolt and slack-sdk."""
