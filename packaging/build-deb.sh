#!/usr/bin/env bash
# Builds $DEB_OUT/tessera_<version>_<arch>.deb from the built dist/ and installed node_modules/
# (what `make deb` runs). The architecture is the machine's (`dpkg --print-architecture`) unless
# DEB_ARCH says otherwise; stage.mjs refuses native addons built for another architecture.
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=${DEB_OUT:-build-deb}
COMPRESS=${DEB_COMPRESS:-xz}
ARCH=${DEB_ARCH:-$(dpkg --print-architecture)}
VERSION=${DEB_VERSION:-$(node -p "require('./package.json').version")}
case "$ARCH" in
  amd64) NODE_ARCH=x64 ;;
  arm64) NODE_ARCH=arm64 ;;
  armhf) NODE_ARCH=arm ;;
  *) echo "build-deb: unsupported architecture $ARCH (amd64, arm64, armhf)" >&2; exit 2 ;;
esac
# better-sqlite3 is built against one Node major's ABI: pin the package to the Node it was built with.
NODE_MAJOR=$(node -p "process.versions.node.split('.')[0]")
NODE_MINOR=$(node -p "process.versions.node.split('.')[1]")
DEPENDS=${DEB_DEPENDS:-"nodejs (>= $NODE_MAJOR.$NODE_MINOR), nodejs (<< $((NODE_MAJOR + 1))), systemd, udev"}

root="$OUT/root"
rm -rf "$root"
mkdir -p "$root/DEBIAN"
DESTDIR="$root" PREFIX=/usr NODE_ARCH="$NODE_ARCH" bash packaging/install.sh install >/dev/null
install -m 0755 packaging/debian/postinst packaging/debian/prerm packaging/debian/postrm "$root/DEBIAN/"
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum >DEBIAN/md5sums)
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$VERSION/" -e "s/@ARCH@/$ARCH/" -e "s/@INSTALLED_SIZE@/$size/" \
  -e "s/@DEPENDS@/$DEPENDS/" -e "s/@NODE_MAJOR@/$NODE_MAJOR/" packaging/debian/control.in >"$root/DEBIAN/control"

deb="$OUT/tessera_${VERSION}_${ARCH}.deb"
rm -f "$deb"
dpkg-deb --root-owner-group -Z"$COMPRESS" --build "$root" "$deb" >/dev/null
rm -rf "$root"
echo "$deb"
