export * from "./remote-driver.js";
