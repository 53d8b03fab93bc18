"""Sikap: stance of news articles toward the parties they discuss (HTTP service)."""
