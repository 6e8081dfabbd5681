# Cadabra's own image: the `cadabra` CLI and its packages. docker-compose.yml runs it as `cadabra demo`
# against the Kafka and MinIO services.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# pyproject.toml names README.md as the distribution's readme, so the build needs it.
COPY pyproject.toml README.md ./
COPY cadabra ./cadabra
COPY producers ./producers
COPY processors ./processors
COPY sinks ./sinks
COPY sql ./sql
COPY bench ./bench
RUN pip install . && rm -rf build ./*.egg-info

# Run as an unprivileged user that owns the working directory (the CLI keeps state under .cadabra/).
RUN useradd --create-home --uid 10001 cadabra && chown cadabra:cadabra /app
USER cadabra

ENTRYPOINT ["cadabra"]
CMD ["demo"]
