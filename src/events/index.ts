export * from "./envelope";
export * from "./money";
export * from "./catalog";
export * from "./traceparent";
