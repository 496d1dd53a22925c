export * from "./cosmosServer";
export * from "./persistence";
export { localCosmosClient } from "./localCosmosClient";
