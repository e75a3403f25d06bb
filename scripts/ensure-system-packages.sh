#!/usr/bin/env bash
# Installs the system packages a fresh Debian machine lacks, when it can (root or sudo, apt-get);
# otherwise prints one line saying what to install. Usage: ensure-system-packages.sh redis [chromium]
set -euo pipefail

need=()
for what in "$@"; do
  case "$what" in
    redis) command -v redis-server >/dev/null 2>&1 || need+=(redis-server) ;;
    chromium) [ -x /usr/bin/chromium ] || need+=(chromium) ;;
    *) echo "ensure-system-packages: unknown package '$what'" >&2; exit 2 ;;
  esac
done
[ ${#need[@]} -eq 0 ] && exit 0

if command -v apt-get >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && sudo="sudo -n"
  if [ "$(id -u)" -eq 0 ] || [ -n "$sudo" ]; then
    echo "Installing ${need[*]} with apt-get…"
    $sudo apt-get update -qq >/dev/null 2>&1 || true
    if DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; then
      exit 0
    fi
  fi
fi
echo "Missing ${need[*]}: install it (sudo apt-get install ${need[*]}) and run this again." >&2
exit 1
