// virsh's command groups in the order `help` lists them (tools/virsh.c cmdGroups).
import type { CmdGroup } from "../shell/command-def.js";
import { hostAndHypervisor } from "./host.js";
import { virshItself } from "./virsh-itself.js";

export const VIRSH_GROUPS: readonly CmdGroup[] = [hostAndHypervisor, virshItself];
