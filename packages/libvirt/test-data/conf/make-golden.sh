#!/bin/sh
# Regenerate the golden files of packages/libvirt/src/conf from a real libvirt 9.0 daemon.
#
# It starts a PRIVATE libvirtd (own config, socket dir and an empty LIBVIRT_DRIVER_DIR, so only the
# built-in test driver is loaded; see /work/shared/reference/libvirt-rpc.md section 1), keeps one
# connection open (the test driver resets its state when the last connection closes), and then:
#   domain/NAME.in.xml         -> virsh define; dumpxml --inactive > NAME.inactive.xml;
#                                 start; dumpxml > NAME.live.xml; dumpxml --migratable > NAME.migratable.xml;
#                                 define NAME.inactive.xml again; dumpxml --inactive > NAME.roundtrip.xml
#   domain-errors/*.xml,
#   xml-errors/*.xml           -> virDomainDefineXML through python3-libvirt; the error's code,
#                                 domain and message go to errors.golden.json in that directory
#                                 (files named validate-*.xml are defined with VIR_DOMAIN_DEFINE_VALIDATE)
#   network/NAME.in.xml        -> net-define; net-dumpxml > NAME.out.xml; net-start; net-dumpxml > NAME.live.xml
#   pool/NAME.in.xml           -> pool-define; pool-dumpxml > NAME.out.xml; pool-start; pool-dumpxml > NAME.live.xml
#   vol/NAME.in.xml            -> vol-create in default-pool; vol-dumpxml
#   snapshot/NAME.in.xml       -> snapshot-create (of domain 'test'); snapshot-dumpxml (--security-info);
#                                 the output again with snapshot-create --redefine
#   *-errors/                  -> the same error capture for networks, pools, volumes, snapshots
#   builtin/                   -> the test driver's own objects and capabilities
#
# Usage: sh make-golden.sh   (needs libvirt-daemon, libvirt-clients, python3-libvirt)
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d /tmp/virtkit-golden.XXXXXX)
mkdir -p "$WORK/sock" "$WORK/drivers"
cat >"$WORK/libvirtd.conf" <<EOF
unix_sock_dir = "$WORK/sock"
auth_unix_rw = "none"
auth_unix_ro = "none"
listen_tls = 0
listen_tcp = 0
log_outputs = "3:file:$WORK/libvirtd.log"
EOF

LIBVIRT_DRIVER_DIR="$WORK/drivers" libvirtd -d -f "$WORK/libvirtd.conf" -p "$WORK/libvirtd.pid"
i=0
while [ ! -S "$WORK/sock/libvirt-sock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
URI="test+unix:///default?socket=$WORK/sock/libvirt-sock"

virsh -q -c "$URI" event --all --loop >/dev/null 2>&1 &
HOLDER=$!
cleanup() {
  kill "$HOLDER" 2>/dev/null || true
  kill "$(cat "$WORK/libvirtd.pid")" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM
sleep 0.5

v() { virsh -q -c "$URI" "$@"; }

# --- domains --------------------------------------------------------------------------------------
for in in "$HERE"/domain/*.in.xml; do
  [ -e "$in" ] || continue
  base=${in%.in.xml}
  name=$(sed -n 's:.*<name>\(.*\)</name>.*:\1:p' "$in" | head -n 1)
  v define "$in" >/dev/null
  v dumpxml --inactive "$name" >"$base.inactive.xml"
  v start "$name" >/dev/null
  v dumpxml "$name" >"$base.live.xml"
  v dumpxml --migratable "$name" >"$base.migratable.xml"
  v destroy "$name" >/dev/null
  # define libvirt's own output again: libvirt is not idempotent for every input
  v define "$base.inactive.xml" >/dev/null
  v dumpxml --inactive "$name" >"$base.roundtrip.xml"
  v undefine --nvram "$name" >/dev/null 2>&1 || v undefine "$name" >/dev/null
done

# --- networks -------------------------------------------------------------------------------------
mkdir -p "$HERE/builtin"
v net-dumpxml default >"$HERE/builtin/network-default.xml"
for in in "$HERE"/network/*.in.xml; do
  [ -e "$in" ] || continue
  base=${in%.in.xml}
  name=$(sed -n 's:.*<name>\(.*\)</name>.*:\1:p' "$in" | head -n 1)
  v net-define "$in" >/dev/null
  # the test driver's network dumpxml rejects --inactive (VIR_NETWORK_XML_INACTIVE)
  v net-dumpxml "$name" >"$base.out.xml"
  v net-start "$name" >/dev/null
  v net-dumpxml "$name" >"$base.live.xml"
  v net-destroy "$name" >/dev/null
  v net-undefine "$name" >/dev/null
done

# --- storage pools and volumes ----------------------------------------------------------------------
v pool-dumpxml default-pool >"$HERE/builtin/pool-default.xml"
for in in "$HERE"/pool/*.in.xml; do
  [ -e "$in" ] || continue
  base=${in%.in.xml}
  # a logical pool may take its name from <source><name>: use the name virsh reports
  name=$(virsh -c "$URI" pool-define "$in" | sed -n 's/^Pool \(.*\) defined from .*/\1/p')
  # the test driver's pool dumpxml rejects --inactive
  v pool-dumpxml "$name" >"$base.out.xml"
  v pool-start "$name" >/dev/null
  v pool-dumpxml "$name" >"$base.live.xml"
  v pool-destroy "$name" >/dev/null
  v pool-undefine "$name" >/dev/null
done
for in in "$HERE"/vol/*.in.xml; do
  [ -e "$in" ] || continue
  base=${in%.in.xml}
  name=$(sed -n 's:.*<name>\(.*\)</name>.*:\1:p' "$in" | head -n 1)
  v vol-create default-pool "$in" >/dev/null
  v vol-dumpxml --pool default-pool "$name" >"$base.out.xml"
  v vol-delete --pool default-pool "$name" >/dev/null
done

# --- snapshots (of the test driver's built-in running domain 'test') ----------------------------------
# Created in order without deleting, so each one's parent is the previous one; a snapshot without
# <name> is named after its creationTime, so take the name virsh reports. Then everything is
# deleted and each output is defined again with --redefine --current (NAME.redefine.xml).
created=""
for in in "$HERE"/snapshot/*.in.xml; do
  [ -e "$in" ] || continue
  base=${in%.in.xml}
  name=$(virsh -c "$URI" snapshot-create test "$in" | sed -n 's/^Domain snapshot \(.*\) created from .*/\1/p')
  v snapshot-dumpxml test "$name" >"$base.out.xml"
  v snapshot-dumpxml --security-info test "$name" >"$base.secure.xml"
  created="$name $created"
done
for name in $created; do v snapshot-delete test "$name" >/dev/null; done
created=""
for in in "$HERE"/snapshot/*.in.xml; do
  [ -e "$in" ] || continue
  base=${in%.in.xml}
  v snapshot-create test "$base.out.xml" --redefine --current >/dev/null
  name=$(v snapshot-current --name test)
  v snapshot-dumpxml test "$name" >"$base.redefine.xml"
  created="$name $created"
done
for name in $created; do v snapshot-delete test "$name" >/dev/null; done

# --- capabilities and the built-in domain ---------------------------------------------------------------
v capabilities >"$HERE/builtin/capabilities.xml"
v dumpxml test >"$HERE/builtin/domain-test.live.xml"
v dumpxml --inactive test >"$HERE/builtin/domain-test.inactive.xml"

# --- error messages, exactly as the daemon returns them ----------------------------------------------------
/usr/bin/python3 "$HERE/capture-errors.py" "$URI" domain-validate "$HERE/domain" >"$HERE/domain/validate.golden.json"
for kind in xml-errors domain-errors network-errors pool-errors vol-errors snapshot-errors; do
  [ -d "$HERE/$kind" ] || continue
  /usr/bin/python3 "$HERE/capture-errors.py" "$URI" "$kind" "$HERE/$kind" >"$HERE/$kind/errors.golden.json"
done

echo "golden files regenerated under $HERE"
