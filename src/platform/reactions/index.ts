export * from "./contract";
export * from "./parsing";
export * from "./session";
export * from "./inbox";
export * from "./poison";
export * from "./commitDecision";
export * from "./runner";
