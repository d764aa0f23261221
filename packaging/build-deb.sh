#!/usr/bin/env bash
# Builds $DEB_OUT/tessera_<version>_<arch>.deb and tessera-backoffice_<version>_<arch>.deb from the built dist/ and the
# installed node_modules/ (what `make deb` runs; DEB_PACKAGES narrows the list). The architecture is the machine's
# (`dpkg --print-architecture`) unless DEB_ARCH says otherwise; stage.mjs refuses native addons built for another one.
set -euo pipefail
cd "$(dirname "$0")/.."
umask 022

OUT=${DEB_OUT:-build-deb}
COMPRESS=${DEB_COMPRESS:-xz}
ARCH=${DEB_ARCH:-$(dpkg --print-architecture)}
VERSION=${DEB_VERSION:-$(node -p "require('./package.json').version")}
read -r -a PACKAGES <<<"${DEB_PACKAGES:-tessera tessera-backoffice}"
case "$ARCH" in
  amd64) NODE_ARCH=x64 ;;
  arm64) NODE_ARCH=arm64 ;;
  armhf) NODE_ARCH=arm ;;
  *) echo "build-deb: unsupported architecture $ARCH (amd64, arm64, armhf)" >&2; exit 2 ;;
esac
# The oldest Node the code supports (package.json "engines"); better-sqlite3 is built per Node ABI, and the
# package carries a build for each ABI it was given (common/sqlite.ts picks the running Node's).
NODE_MIN=$(node -p "require('./package.json').engines.node.match(/^>=\s*([\d.]+)$/)[1]")
# The changelog's newest entry must be this version: a release without its changelog entry is refused.
top=$(sed -n '1s/^tessera (\([^)]*\)).*/\1/p' packaging/debian/changelog)
[[ "$top" == "$VERSION" ]] || { echo "build-deb: packaging/debian/changelog's newest entry is $top, not $VERSION: add one" >&2; exit 2; }

# Shared-library dependencies of the native addons, as dpkg-shlibdeps computes them for Debian's own packages.
shlibs() {
  local tmp addons
  tmp=$(mktemp -d)
  mkdir -p "$tmp/debian" && printf 'Source: tessera\n\nPackage: %s\nArchitecture: any\n' "$1" >"$tmp/debian/control"
  mapfile -t addons < <(find "$2" -name '*.node' -type f)
  # Addons for another arch (DEB_ARCH) need that arch's libraries installed to be resolved; without them the
  # line is left out (DEB_DEPENDS can give it).
  if [[ ${#addons[@]} -gt 0 ]]; then
    (cd "$tmp" && dpkg-shlibdeps -O "${addons[@]}" 2>/dev/null | sed -n 's/^shlibs:Depends=//p') || true
  fi
  rm -rf "$tmp"
}

# "Node ABI 115 (20), 137 (24)": which SQLite builds the package carries.
abis() {
  local lib=$1 list
  list=$(node -p 'process.versions.modules')
  local binding="$lib/node_modules/better-sqlite3/lib/binding"
  [[ -d "$binding" ]] && list+=" $(find "$binding" -maxdepth 1 -name 'node-v*' -printf '%f\n' | sed -E 's/^node-v([0-9]+)-.*/\1/' | tr '\n' ' ')"
  echo "$list" | tr ' ' '\n' | sed '/^$/d' | sort -nu | awk 'BEGIN { m[108]=18; m[115]=20; m[127]=22; m[131]=23; m[137]=24; m[141]=25 }
    { printf "%s%s", (NR > 1 ? ", " : "Node "), (m[$1] ? m[$1] : "ABI " $1) }'
}

for pkg in "${PACKAGES[@]}"; do
  root="$OUT/root-$pkg"
  rm -rf "$root"
  mkdir -p "$root/DEBIAN"
  DESTDIR="$root" PREFIX=/usr NODE_ARCH="$NODE_ARCH" bash packaging/install.sh install "$pkg" >/dev/null
  install -m 0755 "packaging/debian/$pkg/postinst" "packaging/debian/$pkg/prerm" "packaging/debian/$pkg/postrm" "$root/DEBIAN/"
  doc="$root/usr/share/doc/$pkg"
  node packaging/copyright.mjs --package "$pkg" --lib "$root/usr/lib/$pkg" --from . >"$doc/copyright"
  # The copyright file now carries every bundled package's notice and licence: no second copy in node_modules/.
  find "$root/usr/lib/$pkg/node_modules" -type f -iname 'licen[cs]e*' -delete
  gzip -9n <packaging/debian/changelog >"$doc/changelog.gz"
  chmod 0644 "$doc/copyright" "$doc/changelog.gz"
  install -D -m 0644 "packaging/debian/$pkg/lintian-overrides" "$root/usr/share/lintian/overrides/$pkg"

  depends="nodejs (>= $NODE_MIN)"
  libs=$(shlibs "$pkg" "$root/usr/lib/$pkg")
  [[ -n "$libs" ]] && depends+=", $libs"
  depends+=", systemd"
  [[ "$pkg" == tessera ]] && depends+=", udev"
  (cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum >DEBIAN/md5sums)
  size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
  sed -e "s/@VERSION@/$VERSION/" -e "s/@ARCH@/$ARCH/" -e "s/@INSTALLED_SIZE@/$size/" \
    -e "s/@DEPENDS@/${DEB_DEPENDS:-$depends}/" -e "s/@ABIS@/$(abis "$root/usr/lib/$pkg")/" "packaging/debian/$pkg/control.in" >"$root/DEBIAN/control"

  deb="$OUT/${pkg}_${VERSION}_${ARCH}.deb"
  rm -f "$deb"
  dpkg-deb --root-owner-group -Z"$COMPRESS" --build "$root" "$deb" >/dev/null
  rm -rf "$root"
  echo "$deb"
done
