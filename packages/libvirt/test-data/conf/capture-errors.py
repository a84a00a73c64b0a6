#!/usr/bin/python3
# Feed every *.xml of a directory to a real libvirtd and print the resulting libvirt errors as JSON:
# {"file": {"code": N, "domain": N, "message": "..."}} (or {"ok": true} when the daemon accepted it).
# Used by make-golden.sh; kinds: xml-errors, domain-errors, network-errors, pool-errors, vol-errors,
# snapshot-errors, and domain-validate (every domain/*.in.xml defined with VIR_DOMAIN_DEFINE_VALIDATE).
# A file named validate-*.xml is defined with the VALIDATE flag of its API.
import json
import os
import sys

import libvirt

libvirt.registerErrorHandler(lambda ctx, err: None, None)

uri, kind, directory = sys.argv[1], sys.argv[2], sys.argv[3]
conn = libvirt.open(uri)
result = {}

for fname in sorted(os.listdir(directory)):
    if not fname.endswith(".xml"):
        continue
    if kind == "domain-validate" and not fname.endswith(".in.xml"):
        continue
    with open(os.path.join(directory, fname), "rb") as f:
        xml = f.read().decode("utf-8")
    validate = fname.startswith("validate-") or kind == "domain-validate"
    try:
        if kind in ("xml-errors", "domain-errors", "domain-validate"):
            obj = conn.defineXMLFlags(xml, libvirt.VIR_DOMAIN_DEFINE_VALIDATE if validate else 0)
            obj.undefine()
        elif kind == "network-errors":
            obj = conn.networkDefineXMLFlags(xml, libvirt.VIR_NETWORK_DEFINE_VALIDATE if validate else 0)
            obj.undefine()
        elif kind == "pool-errors":
            obj = conn.storagePoolDefineXML(xml, libvirt.VIR_STORAGE_POOL_DEFINE_VALIDATE if validate else 0)
            obj.undefine()
        elif kind == "vol-errors":
            pool = conn.storagePoolLookupByName("default-pool")
            obj = pool.createXML(xml, libvirt.VIR_STORAGE_VOL_CREATE_VALIDATE if validate else 0)
            obj.delete()
        elif kind == "snapshot-errors":
            dom = conn.lookupByName("test")
            obj = dom.snapshotCreateXML(xml, libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_VALIDATE if validate else 0)
            obj.delete()
        else:
            raise SystemExit("unknown kind " + kind)
        result[fname] = {"ok": True}
    except libvirt.libvirtError as e:
        result[fname] = {
            "code": e.get_error_code(),
            "domain": e.get_error_domain(),
            "message": e.get_error_message(),
        }

print(json.dumps(result, indent=2, sort_keys=True, ensure_ascii=False))
