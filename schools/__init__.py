"""Hubs (delivery partners, the tenants) and their schools."""
