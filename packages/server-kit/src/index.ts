export { closeServer, listen } from "./listen";
export { MAX_JSON_NESTING, jsonTextDepth, valueDepth } from "./jsonDepth";
export { exitWithParent } from "./exitWithParent";
