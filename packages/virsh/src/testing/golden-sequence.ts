// The command sequence of the golden suite: every entry is one virsh invocation (global options
// and command words after `-c URI`). It runs against the test driver's default configuration
// and walks the commands through success and failure paths; placeholders (@DOMXML, @NETXML,
// @SHOT, ...) are replaced with files of the run's temporary directory.

export const VK1_UUID = "0000c0de-0000-4000-8000-00000000aa01";

export const DOMAIN_XML = `<domain type='test'>
  <name>vk1</name>
  <uuid>${VK1_UUID}</uuid>
  <title>first guest</title>
  <memory unit='MiB'>512</memory>
  <currentMemory unit='MiB'>512</currentMemory>
  <vcpu>1</vcpu>
  <os><type>hvm</type></os>
  <devices>
    <disk type='file' device='disk'>
      <source file='/var/lib/images/vk1.img'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <interface type='network'>
      <mac address='52:54:00:11:22:33'/>
      <source network='default'/>
    </interface>
  </devices>
</domain>
`;

export const NETWORK_XML = `<network>
  <name>vknet</name>
  <uuid>0000c0de-0000-4000-8000-000000000b01</uuid>
  <bridge name='vkbr0'/>
  <ip address='192.168.150.1' netmask='255.255.255.0'/>
</network>
`;

export const SEQUENCE: readonly (readonly string[])[] = [
  // the shell itself: help layouts, parse errors, exit codes, `;` lists
  ["help", "dominfo"],
  ["list", "--help"],
  ["help", "snapshot-create-as"],
  ["help", "vol-upload"],
  ["help", "nosuch"],
  ["dominfo", "--foo", "test"],
  ["dominfo", "--domain"],
  ["dominfo", "test", "extra"],
  ["dominfo"],
  ["nosuchcmd"],
  ["domstate", "--reason=yes", "test"],
  ["domstate", "--domain=test", "--domain=test"],
  ["dominfo nosuch; uri"],
  ["uri; nosuch"],
  ["echo", "--shell", "a b", "c'd", "plain"],
  ["echo", "--xml", "<a&b>"],
  ["echo", "--split", "a,b,,c"],
  ["echo", "--hi"],
  ["echo", "--str", "x", "--", "--y"],
  ["-q", "list", "--all"],
  ["list", "--table", "--name"],
  ["setmem", "test", "1X"],
  ["setvcpus", "test", "-1"],
  ["freecell", "--cellno", "x"],
  ["event"],
  ["event", "--list"],
  ["event", "--event", "nosuch"],
  ["cd", "/tmp"],
  // host
  ["version"],
  ["version", "--daemon"],
  ["nodeinfo"],
  ["capabilities"],
  ["sysinfo"],
  ["maxvcpus"],
  ["freecell"],
  ["uri"],
  // domains
  ["list", "--all"],
  ["list", "--inactive"],
  ["list", "--name"],
  ["list", "--uuid"],
  ["list", "--id"],
  ["list", "--uuid", "--name", "--all"],
  ["list", "--title"],
  ["dominfo", "test"],
  ["dominfo", "1"],
  ["dominfo", "6695eb01-f6a4-8304-79aa-97f2502e193f"],
  ["domstate", "--reason", "test"],
  ["domid", "test"],
  ["domuuid", "test"],
  ["domname", "1"],
  ["dumpxml", "test"],
  ["dumpxml", "--inactive", "test"],
  ["dumpxml", "test", "--xpath", "//disk/@type"],
  ["dumpxml", "test", "--xpath", "/domain/devices/disk[1]"],
  ["dumpxml", "test", "--xpath", "//name", "--wrap"],
  ["vcpuinfo", "test"],
  ["vcpuinfo", "--pretty", "test"],
  ["domblklist", "test"],
  ["domblklist", "--details", "test"],
  ["domiflist", "test"],
  ["domstats", "test"],
  ["domstats", "--state", "--list-active"],
  ["dominfo", "nosuch"],
  ["screenshot", "test", "@SHOT"],
  ["domhostname", "test"],
  ["console", "test"],
  ["start", "test"],
  ["define", "@DOMXML"],
  ["define", "/nonexistent/vk.xml"],
  ["vcpuinfo", "vk1"],
  ["list", "--all", "--title"],
  ["dominfo", "vk1"],
  ["domstate", "--reason", "vk1"],
  ["domid", "vk1"],
  ["suspend", "vk1"],
  ["start", "vk1"],
  ["list", "--all"],
  ["suspend", "vk1"],
  ["domstate", "--reason", "vk1"],
  ["suspend", "vk1"],
  ["resume", "vk1"],
  ["domstate", "--reason", "vk1"],
  ["reboot", "vk1"],
  ["reboot", "--mode", "bogus", "vk1"],
  ["reset", "vk1"],
  ["setmem", "vk1", "262144"],
  ["dominfo", "vk1"],
  ["setmem", "vk1", "99999999"],
  ["setmaxmem", "vk1", "1G"],
  ["autostart", "vk1"],
  ["list", "--all", "--autostart"],
  ["autostart", "--disable", "vk1"],
  ["dumpxml", "vk1"],
  ["dumpxml", "--inactive", "vk1"],
  ["domblkstat", "vk1", "vda"],
  ["domblkstat", "--human", "vk1", "vda"],
  ["domblkstat", "vk1", "vdz"],
  ["dommemstat", "vk1"],
  ["setvcpus", "vk1", "1", "--config"],
  ["setvcpus", "vk1", "2"],
  ["setvcpus", "vk1", "0"],
  ["snapshot-create-as", "vk1", "snap1", "first snapshot"],
  ["snapshot-list", "vk1"],
  ["snapshot-current", "--name", "vk1"],
  ["snapshot-create-as", "vk1", "snap2"],
  ["snapshot-list", "--tree", "vk1"],
  ["snapshot-list", "--parent", "vk1"],
  ["snapshot-list", "--name", "vk1"],
  ["snapshot-info", "vk1", "snap1"],
  ["snapshot-info", "--current", "vk1"],
  ["snapshot-parent", "vk1", "snap2"],
  ["snapshot-parent", "vk1", "snap1"],
  ["snapshot-dumpxml", "vk1", "snap1"],
  ["snapshot-create-as", "vk1", "--print-xml", "x", "d", "--memspec", "/tmp/m,snapshot=external", "--diskspec", "vda,snapshot=external,file=/tmp/d"],
  ["snapshot-revert", "vk1", "snap1"],
  ["domstate", "--reason", "vk1"],
  ["snapshot-delete", "vk1", "snap2"],
  ["snapshot-delete", "vk1"],
  ["snapshot-create-as", "vk1", "snap1"],
  ["managedsave", "vk1"],
  ["domstate", "--reason", "vk1"],
  ["list", "--all", "--managed-save"],
  ["dominfo", "vk1"],
  ["start", "vk1"],
  ["domstate", "--reason", "vk1"],
  ["shutdown", "vk1"],
  ["domstate", "--reason", "vk1"],
  ["start", "vk1"],
  ["destroy", "vk1"],
  ["domstate", "--reason", "vk1"],
  ["destroy", "vk1"],
  ["undefine", "vk1"],
  ["undefine", "--snapshots-metadata", "vk1"],
  ["list", "--all"],
  // storage
  ["pool-list", "--all"],
  ["pool-list", "--all", "--details"],
  ["pool-list", "--name"],
  ["vol-list", "default-pool"],
  ["vol-create-as", "default-pool", "v1.img", "10M"],
  ["vol-create-as", "default-pool", "v2.img", "10X"],
  ["vol-create-as", "--print-xml", "default-pool", "v3.img", "1G", "--allocation", "0", "--format", "raw"],
  ["vol-list", "default-pool"],
  ["vol-list", "--details", "default-pool"],
  ["vol-create-as", "default-pool", "v1.img", "10M"],
  ["vol-info", "--pool", "default-pool", "v1.img"],
  ["vol-info", "--bytes", "--pool", "default-pool", "v1.img"],
  ["vol-dumpxml", "--pool", "default-pool", "v1.img"],
  ["vol-path", "--pool", "default-pool", "v1.img"],
  ["vol-key", "--pool", "default-pool", "v1.img"],
  ["vol-info", "v1.img"],
  ["pool-info", "default-pool"],
  ["pool-info", "--bytes", "default-pool"],
  ["pool-dumpxml", "default-pool"],
  ["pool-uuid", "default-pool"],
  ["vol-delete", "--pool", "default-pool", "v1.img"],
  ["vol-list", "--details", "default-pool"],
  ["pool-info", "nosuch"],
  ["pool-define-as", "vkpool", "dir", "--target", "/tmp/vkpool"],
  ["pool-define-as", "--print-xml", "p2", "netfs", "--source-host", "h", "--source-path", "/x", "--target", "/mnt"],
  ["pool-list", "--all"],
  ["pool-start", "vkpool"],
  ["pool-autostart", "vkpool"],
  ["pool-list", "--all", "--details"],
  ["pool-refresh", "vkpool"],
  ["pool-destroy", "vkpool"],
  ["pool-undefine", "vkpool"],
  ["pool-list", "--all"],
  // networks
  ["net-list", "--all"],
  ["net-list", "--name"],
  ["net-info", "default"],
  ["net-dumpxml", "default"],
  ["net-uuid", "default"],
  ["net-info", "nosuch"],
  ["net-define", "@NETXML"],
  ["net-list", "--all"],
  ["net-start", "vknet"],
  ["net-autostart", "vknet"],
  ["net-info", "vknet"],
  ["net-destroy", "vknet"],
  ["net-undefine", "vknet"],
  ["net-list", "--all"],
  // a transient domain
  ["create", "@DOMXML2"],
  ["list", "--transient"],
  ["destroy", "vk2"],
  ["list", "--all"],
];

/** The last state change of the sequence: its event ends the event-loop transcript. */
export const LAST_EVENT = "event 'lifecycle' for domain 'vk2': Stopped Destroyed\n";
