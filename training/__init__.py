"""Offline training and evaluation of Sikap's model."""
