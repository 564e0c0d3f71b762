"""Deployment: the nginx configuration and a one-machine trial of replicas, nginx and PostgreSQL (see README.md)."""
