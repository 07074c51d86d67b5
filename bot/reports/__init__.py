"""Difficulty reports: federation tree, gazetteer, tickets, staff triage."""
