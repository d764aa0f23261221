#!/usr/bin/env bash
# Installs or uninstalls Tessera's packages' files under $DESTDIR$PREFIX (what `make install/uninstall` and build-deb.sh run).
# Packages: tessera (the terminal: daemon, CLI, drivers) and tessera-backoffice (back-office CLI and API, web apps,
# reference wallet CLI); each gets its own library folder, $PREFIX/lib/<package>. It only lays out files:
# creating users, enabling services and reloading udev is the .debs' postinst (or the manual steps in
# docs/install.md). Uninstall never touches /var/lib/tessera* (payments, keys) nor /etc/tessera* (config).
# Usage: install.sh install|uninstall [tessera] [tessera-backoffice]   (both when none is named)
set -euo pipefail
cd "$(dirname "$0")/.."

action=${1:?usage: install.sh install|uninstall [PACKAGE...]}
shift
packages=("$@")
[[ ${#packages[@]} -gt 0 ]] || packages=(tessera tessera-backoffice)
DESTDIR=${DESTDIR:-}
PREFIX=${PREFIX:-/usr}
[[ "$PREFIX" == /?* ]] || { echo "refusing: PREFIX=$PREFIX is not an absolute path" >&2; exit 2; }
BINDIR=${BINDIR:-$PREFIX/bin}
UNITDIR=${UNITDIR:-$PREFIX/lib/systemd/system}
SYSUSERSDIR=${SYSUSERSDIR:-$PREFIX/lib/sysusers.d}
TMPFILESDIR=${TMPFILESDIR:-$PREFIX/lib/tmpfiles.d}
UDEVRULESDIR=${UDEVRULESDIR:-$PREFIX/lib/udev/rules.d}
MANDIR=${MANDIR:-$PREFIX/share/man}
BASHCOMPDIR=${BASHCOMPDIR:-$PREFIX/share/bash-completion/completions}
ZSHCOMPDIR=${ZSHCOMPDIR:-$PREFIX/share/zsh/vendor-completions}
NODE_ARCH=${NODE_ARCH:-$(node -p process.arch)}

# Per package: command name → compiled entry point (relative to its library folder; the contract with the
# CLIs), units, systemd-sysusers/tmpfiles files (installed as <package>.conf), udev rules and docs.
commands() {
  case "$1" in
    tessera) echo "tessera=dist/terminal/cli/main.js" ;;
    tessera-backoffice) echo "tessera-backoffice=dist/backoffice/cli/main.js tessera-wallet=dist/wallet/cli/main.js" ;;
  esac
}
units() { case "$1" in tessera) echo tessera.service ;; tessera-backoffice) echo "tessera-backoffice-api.service tessera-clearing@.service" ;; esac; }
sysusers() { case "$1" in tessera) echo tessera.sysusers ;; tessera-backoffice) echo tessera-backoffice.sysusers ;; esac; }
tmpfiles() { case "$1" in tessera) echo tessera.tmpfiles ;; esac; }
udevrules() { case "$1" in tessera) echo 70-tessera.rules ;; esac; }
docs() { case "$1" in tessera) echo "install.md provisioning.md config.md api.md backup.md" ;; tessera-backoffice) echo "install.md backoffice.md api-backoffice.md dashboard.md wallet.md backup.md" ;; esac; }

install_package() {
  local pkg=$1 d="$DESTDIR" libdir="$PREFIX/lib/$1" docdir="$PREFIX/share/doc/$1" pair cmd unit f
  node packaging/stage.mjs --profile "$pkg" --from . --to "$d$libdir" --arch "$NODE_ARCH"
  install -d "$d$BINDIR" "$d$UNITDIR" "$d$docdir" "$d$MANDIR/man1" "$d$BASHCOMPDIR" "$d$ZSHCOMPDIR"
  # Man pages, bash and zsh completion, generated from the CLIs' own definitions (make build; here if a tsc-only build skipped it).
  [[ -d dist/share/zsh/vendor-completions ]] || node scripts/cli-docs.mjs --out dist/share >/dev/null
  for pair in $(commands "$pkg"); do
    cmd=${pair%%=*}
    # TESSERA_NODE lets a machine pin a Node binary outside PATH (e.g. /opt/node24/bin/node).
    printf '#!/bin/sh\n# %s: runs the prebuilt Tessera CLI with Node (installed by make install / the %s package).\nexec "${TESSERA_NODE:-node}" %s "$@"\n' \
      "$cmd" "$pkg" "$libdir/${pair#*=}" >"$d$BINDIR/$cmd"
    chmod 0755 "$d$BINDIR/$cmd"
    gzip -9n <"dist/share/man/man1/$cmd.1" >"$d$MANDIR/man1/$cmd.1.gz"
    chmod 0644 "$d$MANDIR/man1/$cmd.1.gz"
    install -m 0644 "dist/share/bash-completion/completions/$cmd" "$d$BASHCOMPDIR/$cmd"
    install -m 0644 "dist/share/zsh/vendor-completions/_$cmd" "$d$ZSHCOMPDIR/_$cmd"
  done
  for unit in $(units "$pkg"); do
    sed -e "s#^ExecStart=/usr/bin/#ExecStart=$BINDIR/#" "systemd/$unit" >"$d$UNITDIR/$unit"
    chmod 0644 "$d$UNITDIR/$unit"
  done
  for f in $(sysusers "$pkg"); do install -D -m 0644 "systemd/$f" "$d$SYSUSERSDIR/$pkg.conf"; done
  for f in $(tmpfiles "$pkg"); do install -D -m 0644 "systemd/$f" "$d$TMPFILESDIR/$pkg.conf"; done
  for f in $(udevrules "$pkg"); do install -D -m 0644 "systemd/$f" "$d$UDEVRULESDIR/$f"; done
  for f in $(docs "$pkg"); do install -m 0644 "docs/$f" "$d$docdir/$f"; done
  echo "installed $pkg under ${d:-/}$PREFIX"
}

uninstall_package() {
  local pkg=$1 d="$DESTDIR" pair unit f
  rm -rf "$d$PREFIX/lib/$pkg" "$d$PREFIX/share/doc/$pkg"
  for pair in $(commands "$pkg"); do
    cmd=${pair%%=*}
    rm -f "$d$BINDIR/$cmd" "$d$MANDIR/man1/$cmd.1.gz" "$d$BASHCOMPDIR/$cmd" "$d$ZSHCOMPDIR/_$cmd"
  done
  for unit in $(units "$pkg"); do rm -f "$d$UNITDIR/$unit"; done
  for f in $(sysusers "$pkg"); do rm -f "$d$SYSUSERSDIR/$pkg.conf"; done
  for f in $(tmpfiles "$pkg"); do rm -f "$d$TMPFILESDIR/$pkg.conf"; done
  for f in $(udevrules "$pkg"); do rm -f "$d$UDEVRULESDIR/$f"; done
  echo "uninstalled $pkg from ${d:-/}$PREFIX; kept ${d}/var/lib/$pkg and ${d}/etc/$pkg (payments, keys, config)"
}

for pkg in "${packages[@]}"; do
  [[ -n "$(commands "$pkg")" ]] || { echo "install.sh: unknown package $pkg (tessera, tessera-backoffice)" >&2; exit 2; }
  case "$action" in
    install) install_package "$pkg" ;;
    uninstall) uninstall_package "$pkg" ;;
    *) echo "usage: install.sh install|uninstall [PACKAGE...]" >&2; exit 2 ;;
  esac
done
if [[ "$action" == install ]]; then
  echo "next (as root, without DESTDIR): systemd-sysusers; systemd-tmpfiles --create tessera.conf; udevadm control --reload;"
  echo "  systemctl daemon-reload; systemctl enable tessera (see docs/install.md)"
fi
