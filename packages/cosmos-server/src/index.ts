export * from "./cosmosServer";
export * from "./persistence";
export { localCosmosClient } from "./localCosmosClient";
export * from "./storeFaults";
export { COSMOS_JOURNAL_FILE, deleteCosmosData } from "./durableStore";
