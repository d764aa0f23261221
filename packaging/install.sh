#!/usr/bin/env bash
# Installs or uninstalls Tessera's files under $DESTDIR$PREFIX (what `make install/uninstall` run).
# It only lays out files: creating the user, enabling the service and reloading udev is the .deb's
# postinst (or the manual steps in docs/install.md). Uninstall never touches /var/lib/tessera
# (payments, keys) nor /etc/tessera (the terminal's identity and config).
set -euo pipefail
cd "$(dirname "$0")/.."

action=${1:?usage: install.sh install|uninstall}
DESTDIR=${DESTDIR:-}
PREFIX=${PREFIX:-/usr}
BINDIR=${BINDIR:-$PREFIX/bin}
LIBDIR=${LIBDIR:-$PREFIX/lib/tessera}
UNITDIR=${UNITDIR:-$PREFIX/lib/systemd/system}
SYSUSERSDIR=${SYSUSERSDIR:-$PREFIX/lib/sysusers.d}
TMPFILESDIR=${TMPFILESDIR:-$PREFIX/lib/tmpfiles.d}
UDEVRULESDIR=${UDEVRULESDIR:-$PREFIX/lib/udev/rules.d}
DOCDIR=${DOCDIR:-$PREFIX/share/doc/tessera}
MANDIR=${MANDIR:-$PREFIX/share/man}
BASHCOMPDIR=${BASHCOMPDIR:-$PREFIX/share/bash-completion/completions}
ZSHCOMPDIR=${ZSHCOMPDIR:-$PREFIX/share/zsh/vendor-completions}
NODE_ARCH=${NODE_ARCH:-$(node -p process.arch)}

# command name → compiled entry point (relative to LIBDIR). The contract with the CLIs.
declare -A WRAPPERS=(
  [tessera]=dist/terminal/cli/main.js
  [tessera-backoffice]=dist/backoffice/cli/main.js
  [tessera-wallet]=dist/wallet/cli/main.js
)

install_files() {
  local d="$DESTDIR"
  node packaging/stage.mjs --from . --to "$d$LIBDIR" --arch "$NODE_ARCH"
  install -d "$d$BINDIR"
  for cmd in "${!WRAPPERS[@]}"; do
    # TESSERA_NODE lets a terminal pin a Node binary outside PATH (e.g. /opt/node20/bin/node).
    printf '#!/bin/sh\n# %s: runs the prebuilt Tessera CLI with Node (installed by make install / tessera.deb).\nexec "${TESSERA_NODE:-node}" %s "$@"\n' \
      "$cmd" "$LIBDIR/${WRAPPERS[$cmd]}" >"$d$BINDIR/$cmd"
    chmod 0755 "$d$BINDIR/$cmd"
  done
  install -d "$d$UNITDIR" "$d$SYSUSERSDIR" "$d$TMPFILESDIR" "$d$UDEVRULESDIR" "$d$DOCDIR"
  sed "s#^ExecStart=/usr/bin/tessera #ExecStart=$BINDIR/tessera #" systemd/tessera.service >"$d$UNITDIR/tessera.service"
  chmod 0644 "$d$UNITDIR/tessera.service"
  install -m 0644 systemd/tessera.sysusers "$d$SYSUSERSDIR/tessera.conf"
  install -m 0644 systemd/tessera.tmpfiles "$d$TMPFILESDIR/tessera.conf"
  install -m 0644 systemd/70-tessera.rules "$d$UDEVRULESDIR/70-tessera.rules"
  install -m 0644 docs/install.md "$d$DOCDIR/install.md"
  # Man pages, bash and zsh completion, generated from the CLIs' own definitions (make build; here if a tsc-only build skipped it).
  [[ -d dist/share/zsh/vendor-completions ]] || node scripts/cli-docs.mjs --out dist/share >/dev/null
  install -d "$d$MANDIR/man1" "$d$BASHCOMPDIR" "$d$ZSHCOMPDIR"
  for cmd in "${!WRAPPERS[@]}"; do
    gzip -9n <"dist/share/man/man1/$cmd.1" >"$d$MANDIR/man1/$cmd.1.gz"
    chmod 0644 "$d$MANDIR/man1/$cmd.1.gz"
    install -m 0644 "dist/share/bash-completion/completions/$cmd" "$d$BASHCOMPDIR/$cmd"
    install -m 0644 "dist/share/zsh/vendor-completions/_$cmd" "$d$ZSHCOMPDIR/_$cmd"
  done
  echo "installed under ${d:-/}$PREFIX; next (as root, without DESTDIR): systemd-sysusers; systemd-tmpfiles --create tessera.conf;"
  echo "  udevadm control --reload; systemctl daemon-reload; systemctl enable tessera (see docs/install.md)"
}

uninstall_files() {
  local d="$DESTDIR"
  # Guard the recursive removals against an empty or odd LIBDIR/DOCDIR.
  [[ "$LIBDIR" == /*/tessera && "$DOCDIR" == /*/tessera ]] || { echo "refusing: LIBDIR=$LIBDIR DOCDIR=$DOCDIR" >&2; exit 2; }
  rm -rf "$d$LIBDIR"
  for cmd in "${!WRAPPERS[@]}"; do rm -f "$d$BINDIR/$cmd" "$d$MANDIR/man1/$cmd.1.gz" "$d$BASHCOMPDIR/$cmd" "$d$ZSHCOMPDIR/_$cmd"; done
  rm -f "$d$UNITDIR/tessera.service" "$d$SYSUSERSDIR/tessera.conf" "$d$TMPFILESDIR/tessera.conf" \
    "$d$UDEVRULESDIR/70-tessera.rules"
  rm -rf "$d$DOCDIR"
  echo "uninstalled from ${d:-/}$PREFIX; kept ${d}/var/lib/tessera and ${d}/etc/tessera (payments, keys, config)"
}

case "$action" in
  install) install_files ;;
  uninstall) uninstall_files ;;
  *) echo "usage: install.sh install|uninstall" >&2; exit 2 ;;
esac
