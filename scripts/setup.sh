#!/usr/bin/env bash
# Idempotent machine + venv set-up for the hub on Debian 12 (root, or sudo if available).
#   - installs the system packages that are missing (apt-get update only if something is);
#   - creates .venv with Python >= 3.11 if it is missing;
#   - runs `pip install -e '.[dev]'` only when pyproject.toml is newer than the stamp file.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PACKAGES=(
  python3-venv
  # WeasyPrint (report generator): Pango, HarfBuzz (+ subset: 2x faster), fonts incl. CJK
  libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fontconfig fonts-noto-cjk
  rabbitmq-server
  postgresql
  poppler-utils  # pdftotext/pdftoppm: tests read the rendered reports
  chromium  # browser tests of the signing pages (Playwright drives /usr/bin/chromium)
)
VENV=.venv
STAMP="$VENV/.installed-stamp"

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }
die() { printf '\033[31m[setup] error:\033[0m %s\n' "$*" >&2; exit 1; }

as_root() {
  if [[ $EUID -eq 0 ]]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else die "need root (or sudo) to run: $*"
  fi
}

install_system_packages() {
  local missing=() pkg
  for pkg in "${PACKAGES[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if ((${#missing[@]} == 0)); then
    say "system packages: all present"
    return
  fi
  command -v apt-get >/dev/null || die "missing ${missing[*]} and no apt-get (Debian 12 expected)"
  say "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -q
  as_root apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
}

pick_python() {
  local candidate
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null \
      && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
      echo "$candidate"
      return
    fi
  done
  die "no Python >= 3.11 found (tried python3.11, python3)"
}

create_venv() {
  if [[ -x $VENV/bin/python ]]; then
    return
  fi
  local python
  python=$(pick_python)
  say "creating $VENV with $($python --version)"
  "$python" -m venv "$VENV"
  rm -f "$STAMP"
}

install_project() {
  if [[ -f $STAMP && ! pyproject.toml -nt $STAMP ]]; then
    say "python packages: up to date ($STAMP)"
    return
  fi
  say "pip install -e '.[dev]'"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e '.[dev]'
  touch "$STAMP"
}

# RabbitMQ runs as user rabbitmq, started through `su`, which applies pam_limits: without an
# entry it gets nofile=1024, and at a few hundred quorum queues the broker stops answering.
raise_rabbitmq_file_limit() {
  local conf=/etc/security/limits.d/rabbitmq.conf hard
  hard=$(ulimit -Hn)
  [[ $hard == unlimited || $hard -gt 65536 ]] && hard=65536
  local want="rabbitmq - nofile $hard"
  if [[ -f $conf ]] && grep -qxF "$want" "$conf"; then
    return
  fi
  say "RabbitMQ file handle limit: $hard ($conf)"
  printf '%s\n' "# added by delivery-hub scripts/setup.sh" "$want" | as_root tee "$conf" >/dev/null
}

# Reports render faster and come out smaller with Noto Sans CJK SC cut to common characters
# (hub/reports/fonts.py); cut once per machine user, about 15 s.
build_report_fonts() {
  "$VENV/bin/python" -m hub.reports.fonts || say "report fonts: not built; reports use the system face"
}

install_system_packages
raise_rabbitmq_file_limit
create_venv
install_project
build_report_fonts
