#!/bin/sh
# Regenerate the qemu-driver golden files of packages/libvirt/src/conf from a real libvirt 9.0
# QEMU driver (qemu:///session), which needs no root and no KVM: defining a domain only probes the
# QEMU binaries (qemu-system-x86_64 / qemu-system-i386) for their capabilities.
#
# A PRIVATE session daemon is started as an unprivileged user (root cannot use qemu:///session;
# default: nobody) with HOME/XDG_* inside a temporary directory, so no existing libvirt state is
# read or touched. Then:
#   qemu/NAME.in.xml     -> virsh define; dumpxml --inactive > NAME.inactive.xml;
#                           define NAME.inactive.xml again; dumpxml --inactive > NAME.roundtrip.xml
#   qemu-live/NAME.in.xml -> define; start (TCG); dumpxml > NAME.live.xml; dumpxml --security-info
#                           > NAME.secure.xml; destroy; undefine
#   qemu-errors/*.xml    -> virDomainDefineXML through python3-libvirt; errors.golden.json
#   builtin/capabilities-qemu-session.xml  (virsh capabilities)
#
# Usage: sh make-golden-qemu.sh [user]   (needs libvirt-daemon-driver-qemu, qemu-system-x86,
#                                        libvirt-clients, python3-libvirt, runuser)
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
RUNAS=${1:-nobody}
WORK=$(mktemp -d /tmp/virtkit-golden-qemu.XXXXXX)
chmod 755 "$WORK"
ENVV="HOME=$WORK/home XDG_RUNTIME_DIR=$WORK/run XDG_CONFIG_HOME=$WORK/config XDG_CACHE_HOME=$WORK/cache XDG_DATA_HOME=$WORK/data"
mkdir -p "$WORK/home" "$WORK/run" "$WORK/config/libvirt" "$WORK/cache" "$WORK/data" "$WORK/in"
chmod 700 "$WORK/run"
echo "log_outputs = \"3:file:$WORK/home/libvirtd.log\"" >"$WORK/config/libvirt/libvirtd.conf"
chown -R "$RUNAS" "$WORK/home" "$WORK/run" "$WORK/config" "$WORK/cache" "$WORK/data"

as_user() { runuser -u "$RUNAS" -- env $ENVV "$@"; }
v() { as_user virsh -q -c qemu:///session "$@"; }

as_user libvirtd -d
i=0
while [ ! -S "$WORK/run/libvirt/libvirt-sock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
cleanup() {
  if [ -f "$WORK/run/libvirt/libvirtd.pid" ]; then kill "$(cat "$WORK/run/libvirt/libvirtd.pid")" 2>/dev/null || true; fi
  sleep 0.5
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

# the daemon runs as $RUNAS: give it readable copies of the inputs
for in in "$HERE"/qemu/*.in.xml; do
  [ -e "$in" ] || continue
  base=$(basename "${in%.in.xml}")
  name=$(sed -n 's:.*<name>\(.*\)</name>.*:\1:p' "$in" | head -n 1)
  cp "$in" "$WORK/in/$base.xml"
  chmod 644 "$WORK/in/$base.xml"
  v define "$WORK/in/$base.xml" >/dev/null
  v dumpxml --inactive "$name" >"$HERE/qemu/$base.inactive.xml"
  cp "$HERE/qemu/$base.inactive.xml" "$WORK/in/$base.again.xml"
  chmod 644 "$WORK/in/$base.again.xml"
  v define "$WORK/in/$base.again.xml" >/dev/null
  v dumpxml --inactive "$name" >"$HERE/qemu/$base.roundtrip.xml"
  v undefine "$name" >/dev/null
done

# qemu-live/: really started (TCG, a few MiB of guest RAM), dumped live and with --security-info
for in in "$HERE"/qemu-live/*.in.xml; do
  [ -e "$in" ] || continue
  base=$(basename "${in%.in.xml}")
  name=$(sed -n 's:.*<name>\(.*\)</name>.*:\1:p' "$in" | head -n 1)
  cp "$in" "$WORK/in/live-$base.xml"
  chmod 644 "$WORK/in/live-$base.xml"
  v define "$WORK/in/live-$base.xml" >/dev/null
  v start "$name" >/dev/null
  v dumpxml "$name" >"$HERE/qemu-live/$base.live.xml"
  v dumpxml --security-info "$name" >"$HERE/qemu-live/$base.secure.xml"
  v destroy "$name" >/dev/null
  v undefine "$name" >/dev/null
done

v capabilities >"$HERE/builtin/capabilities-qemu-session.xml"

if [ -d "$HERE/qemu-errors" ]; then
  cp -r "$HERE/qemu-errors" "$WORK/in/errors"
  cp "$HERE/capture-errors.py" "$WORK/in/"
  chmod -R a+rX "$WORK/in"
  as_user /usr/bin/python3 "$WORK/in/capture-errors.py" qemu:///session domain-errors "$WORK/in/errors" >"$HERE/qemu-errors/errors.golden.json"
fi

echo "qemu golden files regenerated under $HERE"
