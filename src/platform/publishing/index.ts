export * from "./envelope";
export * from "./commit";
export * from "./outbox";
