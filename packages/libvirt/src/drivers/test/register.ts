// Registering the test driver with the configuration layer of this package.
import { virRegisterConnectDriver } from "../../api/registry.js";
import { formatCapabilities, testDriverCapabilities } from "../../conf/capabilities.js";
import { testDomainConf } from "./domain-conf-binding.js";
import { testNetworkConf } from "./network-conf-binding.js";
import { testSnapshotConf } from "./snapshot-conf-binding.js";
import { testPoolConf } from "./storage-conf-binding.js";
import type { TestConf } from "./test-conf.js";
import { createTestConnectDriver } from "./test-driver.js";

/** The test driver's configuration bindings available in this package. */
export function defaultTestConf(): TestConf {
  const caps = formatCapabilities(testDriverCapabilities());
  return { domain: testDomainConf, network: testNetworkConf, pool: testPoolConf, snapshot: testSnapshotConf, capabilities: () => caps };
}

/** virRegisterConnectDriver for test:/// (the built-in configuration unless `conf` is given). */
export function registerTestDriver(conf: TestConf = defaultTestConf()): void {
  virRegisterConnectDriver(createTestConnectDriver(conf));
}
