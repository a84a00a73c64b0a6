export * from "./xdr.js";
export * from "./xdr-codec.js";
export * from "./virnet-protocol.js";
export * from "./remote-procedures.js";
export * from "./remote-protocol.js";
export * from "./keepalive.js";
export * from "./client.js";
export * from "./server.js";
export { remoteDispatch, type DispatchClient } from "./remote-dispatch.js";
