export * from "./cosmosServer";
export * from "./persistence";
export { localCosmosClient } from "./localCosmosClient";
export * from "./storeFaults";
export { deleteJournal, journalSize, JOURNAL_FILE, type JournalStats } from "./journal";
