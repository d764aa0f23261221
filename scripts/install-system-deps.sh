#!/usr/bin/env bash
# Installs the Debian packages Tessera's build and test suite use (idempotent; needs root or sudo).
set -euo pipefail
PKGS=(
  build-essential python3   # node-gyp builds better-sqlite3 and node-hid from source
  mosquitto                 # the real MQTT broker the sync and clearing tests run against
  socat                     # ptys for emulated serial scanners, printers and line displays
  udev                      # SerialPort.list() spawns udevadm
  libusb-1.0-0 libudev-dev  # node-hid
  zbar-tools                # zbarimg: an independent QR decoder for rendered screens and receipts
  systemd                   # systemd-analyze verify/security for the unit files
  openssl                   # test certificates for the TLS broker
  dpkg-dev fakeroot         # make deb (dpkg-shlibdeps computes the addons' library dependencies)
  lintian                   # test/packaging/deb.test.ts checks both packages with Debian's lintian
  faketime                  # libfaketime: the fleet-years test runs a real daemon hundreds of simulated days ahead
  postgresql                # PostgreSQL 15 (initdb, pg_ctl): the ledger tests start a server of their own
  chromium                  # Debian's Chromium: the dashboard and wallet tests drive it with playwright-core
  fonts-dejavu-core         # a font for Chromium's pages and screenshots
  wrk                       # HTTP load for the API benchmark
  unifont                   # GNU Unifont hex source: scripts/gen-font.ts regenerates drivers/fonts/unifont.ts from it
  man-db zsh                # the generated man pages render without warnings; the zsh completion runs
)
missing=()
for p in "${PKGS[@]}"; do
  [[ "$p" == \#* ]] && continue
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=''; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
echo "system deps: ok"
