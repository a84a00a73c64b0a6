export * from "./test-conf.js";
export * from "./test-driver.js";
export * from "./test-default-config.js";
export * from "./register.js";
