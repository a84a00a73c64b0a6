import { type NetdevConfig, NetdevOptionError, parseNetdevOption } from "./netdev-option.js";

/*
 * QEMU's -nic shorthand (net/net.c net_param_nic): "TYPE,model=M,mac=A,<netdev options>" makes a
 * -netdev TYPE (id "__org.qemu.nicN" unless id= is given) and a NIC of model M on it; "-nic none"
 * makes no NIC. The machine creates the NIC device (its default model for pc is e1000).
 */

export interface NicOption {
  /** undefined for -nic none. */
  netdev: NetdevConfig | undefined;
  /** The NIC model as a -device name, or undefined for the machine's default. */
  model: string | undefined;
  mac: string | undefined;
}

/** qemu_find_nic_model's alias: "virtio" means virtio-net-pci on PCI machines. */
const MODEL_ALIASES: Readonly<Record<string, string>> = { virtio: "virtio-net-pci" };

let nicCount = 0;

export function parseNicOption(text: string, existingIds: ReadonlySet<string> = new Set()): NicOption {
  const parts: string[] = [];
  let cur = "";
  for (let i = 0; i < text.length; i++) {
    const ch = text.charAt(i);
    if (ch === "," && text.charAt(i + 1) === ",") {
      cur += ",,";
      i++;
    } else if (ch === ",") {
      parts.push(cur);
      cur = "";
    } else {
      cur += ch;
    }
  }
  parts.push(cur);
  let model: string | undefined;
  let mac: string | undefined;
  let hasId = false;
  const rest: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (i > 0 && p.startsWith("model=")) model = p.slice(6);
    else if (i > 0 && p.startsWith("mac=")) mac = p.slice(4);
    else {
      if (i > 0 && p.startsWith("id=")) hasId = true;
      rest.push(p);
    }
  }
  if (model !== undefined) model = MODEL_ALIASES[model] ?? model;
  if (rest[0] === "none") {
    if (rest.length > 1) throw new NetdevOptionError(`Invalid parameter '${rest[1]!.split("=")[0]!}'`);
    return { netdev: undefined, model, mac };
  }
  if (hasId) {
    return { netdev: parseNetdevOption(rest.join(","), existingIds), model, mac };
  }
  // QEMU's generated id is not a valid user id ("__" prefix): parse with a placeholder, then name it.
  const netdev = parseNetdevOption([...rest, "id=nic"].join(","));
  return { netdev: { ...netdev, id: `__org.qemu.nic${nicCount++}` }, model, mac };
}
