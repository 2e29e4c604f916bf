#!/usr/bin/env bash
# Makes a self-signed DEVELOPMENT certificate for Borgerbot's HTTPS listener:
#
#   certs/dev-cert.pem   certificate (EC P-256, SAN localhost, 127.0.0.1, ::1, 1 year)
#   certs/dev-key.pem    its private key (mode 600)
#
# usage: certs/make-dev-cert.sh [--force]
#
# Does nothing when both files exist (so ./dev.sh start can call it every
# time); --force makes a new pair. The files are ignored by git
# (.gitignore: certs/*.pem): keys are never committed. Meta does not accept a
# self-signed certificate for a webhook: see certs/README.md for production.
set -euo pipefail

dir=$(cd "$(dirname "$0")" && pwd)
cert=$dir/dev-cert.pem
key=$dir/dev-key.pem
force=0

case "${1:-}" in
--force) force=1 ;;
"") ;;
-h | --help)
	sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
	exit 0
	;;
*)
	echo "usage: $0 [--force]" >&2
	exit 2
	;;
esac

if [ "$force" = 0 ] && [ -s "$cert" ] && [ -s "$key" ]; then
	exit 0
fi

command -v openssl >/dev/null || {
	echo "make-dev-cert: openssl(1) not found (Debian package openssl)" >&2
	exit 1
}

# Write to temporary files first, so an interrupted run never leaves a
# certificate without its key (or a key that does not match).
tmpdir=$(mktemp -d "$dir/.dev-cert.XXXXXX")
trap 'rm -rf "$tmpdir"' EXIT
umask 077
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-days 365 -subj "/CN=localhost/O=Borgerbot development" \
	-addext "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1" \
	-addext "basicConstraints=critical,CA:FALSE" \
	-addext "keyUsage=critical,digitalSignature" \
	-addext "extendedKeyUsage=serverAuth" \
	-keyout "$tmpdir/key.pem" -out "$tmpdir/cert.pem" 2>/dev/null
chmod 600 "$tmpdir/key.pem"
chmod 644 "$tmpdir/cert.pem"
mv -f "$tmpdir/key.pem" "$key"
mv -f "$tmpdir/cert.pem" "$cert"

echo "make-dev-cert: wrote $cert and $key (self-signed, for development only;" \
	"expires $(openssl x509 -in "$cert" -noout -enddate | cut -d= -f2))"
