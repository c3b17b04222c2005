"""Tests of the deployment files: docker-compose.yml, the Dockerfiles, .dockerignore."""
