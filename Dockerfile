# Cadabra's own image: the `cadabra` CLI and its packages. docker-compose.yml runs it as `cadabra demo`,
# the endpoint, Firehose delivery, SNS delivery and the bucket job, against Kafka and MinIO.
# The base is a variable so CI can build from a local Python image; users get the official one.
ARG PYTHON_IMAGE=python:3.11-slim
FROM ${PYTHON_IMAGE}

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, from pyproject.toml alone: this layer is rebuilt only when they change, not
# on every code change (a rebuild after an edit then takes seconds, not a full pip install).
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# pyproject.toml names README.md as the distribution's readme, so the build needs it.
COPY README.md ./
COPY cadabra ./cadabra
COPY producers ./producers
COPY processors ./processors
COPY sinks ./sinks
COPY sql ./sql
COPY bench ./bench
RUN pip install --no-deps . && rm -rf build ./*.egg-info

# Run as an unprivileged user that owns the working directory (the CLI keeps state under .cadabra/).
RUN useradd --create-home --uid 10001 cadabra && chown cadabra:cadabra /app
USER cadabra

ENTRYPOINT ["cadabra"]
CMD ["demo"]
