"""Steady: a calm Discord companion for mental health technicians, students and their peers."""

__version__ = "0.1.0"
