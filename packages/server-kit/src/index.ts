export { closeServer, listen } from "./listen";
export { MAX_JSON_NESTING, jsonTextDepth, valueDepth } from "./jsonDepth";
export { exitWithParent } from "./exitWithParent";
export { UsageError, parseFlags } from "./commandLine";
export { seededRandom } from "./seededRandom";
export { Journal, deleteJournal, type JournalOptions, type JournalRecord, type JournalStats } from "./journal";
