#!/usr/bin/env bash
# Borgerbot's two commands (see README.md):
#
#   ./dev.sh start            install what is missing, build, start the demo server
#                             on 8080 and 8443 (BORGERBOT_HTTP_PORT/_HTTPS_PORT
#                             choose others; a busy port is named before anything)
#   ./dev.sh test [--sanitize | --tsan]
#                             install what is missing, build, run every test
#                             (--sanitize: ASan+UBSan in build-asan/,
#                              --tsan: ThreadSanitizer in build-tsan/)
#
# Both are idempotent: packages are installed only when missing, CivetWeb's
# source is fetched once into .deps/, the build directory is reused.
set -euo pipefail
top=$(cd "$(dirname "$0")" && pwd)
cd "$top"

jobs=$(nproc 2>/dev/null || echo 2)

build() { # build DIR [cmake args...]
	local dir=$1
	shift
	cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
	cmake --build "$dir" -j"$jobs"
}

demo_secrets() {
	local file=data/demo-secrets.env
	mkdir -p data
	if [ ! -f "$file" ]; then
		umask 077
		{
			echo "BORGERBOT_APP_SECRET=$(openssl rand -hex 16)"
			echo "BORGERBOT_VERIFY_TOKEN=$(openssl rand -hex 12)"
		} >"$file"
	fi
	if ! grep -q '^BORGERBOT_DEMO_ADMIN_PASSWORD=' "$file"; then # files from before the console
		(umask 077 && echo "BORGERBOT_DEMO_ADMIN_PASSWORD=$(openssl rand -hex 12)" >>"$file")
	fi
	set -a
	# shellcheck disable=SC1090
	. "$file"
	set +a
}

# The console needs someone to log in: with no active admin in the demo
# database, make "admin" with the password from data/demo-secrets.env.
demo_admin() {
	local db=data/borgerbot.db
	if build/borgerbot staff list --db "$db" | grep -q '"role":"admin".*"disabled_at":null'; then
		return 0
	fi
	if build/borgerbot staff list --db "$db" | grep -q '"username":"admin"'; then
		echo "dev.sh: no active admin, and the user 'admin' exists (disabled?);" \
			"make one: build/borgerbot staff add NAME ... --role admin --password-stdin" >&2
		return 0
	fi
	printf '%s\n' "$BORGERBOT_DEMO_ADMIN_PASSWORD" |
		build/borgerbot staff add admin --name "Demo Administrator" \
			--department "Borgerservice" --role admin --password-stdin --db "$db" >/dev/null
}

# A few canned replies for the console, once (not a migration: each
# municipality writes its own).
demo_canned() {
	local db=data/borgerbot.db
	[ -z "$(build/borgerbot canned list --db "$db")" ] || return 0
	local add="build/borgerbot canned add --db $db"
	$add --title "Tak – vi ser på det" >/dev/null \
		--body "Hej, det er {navn} fra {afdeling}. Tak for din besked – jeg ser på det nu og skriver til dig her i chatten, så snart jeg ved mere."
	$add --title "Status på din sag" >/dev/null \
		--body "Din sag {sag} er registreret, og vi arbejder på den. Du får besked her, når den er løst."
	$add --title "Vi har brug for mere" >/dev/null \
		--body "Vil du skrive, hvor det er – gerne vejnavn og husnummer eller nummeret på lygtepælen? Så kan vi finde det."
	$add --title "Hul i vejen – tak" --department "Vej og Park" >/dev/null \
		--body "Tak fordi du sagde til. Vi har sendt en medarbejder ud at se på det, og hullet bliver lappet hurtigst muligt (sag {sag})."
	$add --title "Glemt afhentning" --department "Affald og Genbrug" >/dev/null \
		--body "Det er vi kede af. Vi sender bilen forbi igen inden for to hverdage. Stil gerne beholderen ud til vejen."
	$add --title "Afslutning" >/dev/null \
		--body "Tak for snakken. Jeg giver dig tilbage til Borgerbot nu – skriv bare, hvis der er mere. Venlig hilsen {navn}, {afdeling}."
}

port_busy() { # port_busy PORT: true when something on this machine listens there
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

check_ports() { # check_ports HTTP HTTPS: stops with a clear message if one is taken
	local port var busy=0
	for port in "$1:BORGERBOT_HTTP_PORT" "$2:BORGERBOT_HTTPS_PORT"; do
		var=${port#*:}
		port=${port%%:*}
		case "$port" in
		'' | *[!0-9]*) echo "dev.sh: $var=$port is not a port number" >&2; exit 2 ;;
		esac
		if port_busy "$port"; then
			echo "dev.sh: port $port on 127.0.0.1 is already in use (another ./dev.sh start?)." >&2
			echo "  see who holds it:  ss -ltnp 'sport = :$port'" >&2
			echo "  free it by stopping that program, or pick another port: $var=<port> ./dev.sh start" >&2
			busy=1
		fi
	done
	[ "$busy" -eq 0 ] || exit 1
}

cmd_start() {
	local http=${BORGERBOT_HTTP_PORT:-8080} https=${BORGERBOT_HTTPS_PORT:-8443}
	local chat="build/borgerbot chat"
	[ "$http" = 8080 ] || chat+=" --server http://127.0.0.1:$http"
	check_ports "$http" "$https"
	scripts/setup.sh
	build build
	certs/make-dev-cert.sh
	demo_secrets
	demo_admin
	demo_canned
	# the example consultation (winter gritting); kept once it has answers
	build/borgerbot panel load panel/examples/vintersaltning.consultation \
		--db data/borgerbot.db || true
	check_ports "$http" "$https" # again: the build took a while
	cat <<TXT

Borgerbot demo server
  HTTPS  https://127.0.0.1:$https/webhook   (self-signed certificate in certs/)
  HTTP   http://127.0.0.1:$http/webhook    health: /healthz   metrics: /metrics
  data   data/borgerbot.db
  demo secrets (from data/demo-secrets.env; set your own in the environment):
    BORGERBOT_APP_SECRET=$BORGERBOT_APP_SECRET
    BORGERBOT_VERIFY_TOKEN=$BORGERBOT_VERIFY_TOKEN
  STAFF CONSOLE  https://127.0.0.1:$https/console
    demo admin: admin / $BORGERBOT_DEMO_ADMIN_PASSWORD   (more: build/borgerbot staff --help)
  SANDBOX MODE: no page token, so nothing goes to Facebook. Talk to the bot:
    in the terminal:  $chat
    in a browser:     http://127.0.0.1:$http/sandbox
Stop with Ctrl-C.

TXT
	exec build/borgerbot serve --config borgerbot.conf.example \
		--listen "127.0.0.1:$http" --listen-tls "127.0.0.1:$https" \
		--tls-cert certs/dev-cert.pem --tls-key certs/dev-key.pem --db data/borgerbot.db \
		--sandbox
}

cmd_test() {
	local dir=build cmake_args=()
	case "${1:-}" in
	--sanitize)
		dir=build-asan
		cmake_args=(-DBORGERBOT_SANITIZE=ON)
		export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
		export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
		;;
	--tsan)
		# Exported, so ctest and the servers the Python tests start see it:
		# the first race ends the process (exit 66) and fails its test.
		dir=build-tsan
		cmake_args=(-DBORGERBOT_TSAN=ON)
		export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$top/tests/tsan.supp"
		;;
	"") ;;
	*) usage ;;
	esac
	scripts/setup.sh --test
	build "$dir" "${cmake_args[@]}"
	cd "$dir"
	ctest --output-on-failure -j"$jobs"
}

usage() {
	echo "usage: ./dev.sh start | ./dev.sh test [--sanitize | --tsan]" >&2
	exit 2
}

case "${1:-}" in
start) shift; cmd_start "$@" ;;
test) shift; cmd_test "$@" ;;
*) usage ;;
esac
