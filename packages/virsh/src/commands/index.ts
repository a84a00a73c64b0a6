// virsh's command groups in the order `help` lists them (tools/virsh.c cmdGroups). Groups this
// package does not implement (Checkpoint, Interface, Network Filter, Node Device, Secret,
// Backup) are left out rather than listed with commands that cannot run.
import type { CmdGroup } from "../shell/command-def.js";
import { domainEvents } from "./domain-events.js";
import { domainManagement } from "./domain-management.js";
import { domainMonitoring } from "./domain-monitoring.js";
import { hostAndHypervisor } from "./host.js";
import { networking } from "./networking.js";
import { snapshot } from "./snapshot.js";
import { storagePool } from "./storage-pool.js";
import { storageVolume } from "./storage-volume.js";
import { virshItself } from "./virsh-itself.js";

export const VIRSH_GROUPS: readonly CmdGroup[] = [
  domainManagement,
  domainMonitoring,
  domainEvents,
  hostAndHypervisor,
  networking,
  snapshot,
  storagePool,
  storageVolume,
  virshItself,
];
