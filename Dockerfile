# The hub's image (Debian 12, like the dev machines): `hub worker`, `hub web`, `hub db upgrade`.
FROM python:3.11-slim-bookworm

# WeasyPrint's libraries (harfbuzz-subset makes font subsetting ~2x faster) and a CJK font.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fontconfig fonts-noto-cjk \
 && rm -rf /var/lib/apt/lists/*

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 HUB_DATA_DIR=/var/lib/hub

WORKDIR /src
COPY pyproject.toml README.md ./
COPY hub ./hub
COPY adapters ./adapters
COPY consumers ./consumers
COPY schemas ./schemas
COPY simulation ./simulation
RUN pip install '.[postgres,twilio]'

# The reports' own cut of Noto Sans CJK SC (hub/reports/fonts.py), outside the data volume.
ENV XDG_CACHE_HOME=/opt/hub-cache
RUN python -m hub.reports.fonts && chmod -R a+rX /opt/hub-cache

RUN useradd --system --uid 10001 --home-dir /var/lib/hub --create-home hub
USER hub
WORKDIR /var/lib/hub
EXPOSE 8000
CMD ["hub", "worker"]
