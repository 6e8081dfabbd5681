"""A container engine and local images where no Docker engine runs (`make containers`).

CI's machines run no Docker engine and reach no container registry, but root can run podman. This
package installs and configures it, serves its Docker-compatible API, runs the healthchecks podman
leaves to systemd, installs Compose, and builds the local images that stand in for the official
ones (see containers/README.md). The tests then run docker-compose.yml and the testcontainers stack
for real, with the variables written to `.cadabra/containers.env`.
"""

from cadabra.containers.engine import ENV_FILE, load_env_file
from cadabra.containers.steps import prepare

__all__ = ["ENV_FILE", "load_env_file", "prepare"]
