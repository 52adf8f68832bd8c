# The platform's image: one image, every service (compose.yaml picks each one's command).
# Stage 1 builds the project and its dependencies as wheels; stage 2 installs them (not
# editable: no source tree in the image) and runs as an unprivileged user.
FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY gate ./gate
COPY services ./services
COPY frontend ./frontend
# The pages (frontend/) and the migrations are package data of the wheel (pyproject.toml).
RUN pip wheel --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    GATE_HOST=0.0.0.0 GATE_PORT=8000 GATE_DATA_DIR=/var/lib/gate
# The wheels are mounted from the build stage (BuildKit, Docker's builder since 23.0), not copied:
# no layer keeps them.
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-cache-dir --no-index --find-links=/wheels gate-platform \
    && useradd --system --uid 10001 --home-dir /var/lib/gate gate \
    && mkdir -p /var/lib/gate && chown gate:gate /var/lib/gate && chmod 0700 /var/lib/gate
# The data folder (kept secrets; the embedded default's SQLite file): a volume owned by the
# platform's user, so a fresh named volume starts with that owner.
VOLUME /var/lib/gate
WORKDIR /var/lib/gate
USER gate
EXPOSE 8000 8001
HEALTHCHECK --interval=10s --timeout=4s --start-period=30s --retries=5 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('GATE_PORT', '8000') + '/health/live', timeout=3)"]
CMD ["gate", "serve"]
