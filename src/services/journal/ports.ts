import type { Database } from "@azure/cosmos";
import type { TokenCredential } from "@azure/identity";
import { parseConfig } from "../../platform/config";
import { createCosmosClient } from "../../platform/runtime";
import { services } from "../../topology";
import { FlowIncidents, createFlowIncidents } from "./flowIncidents";
import { FlowIndex, createCosmosFlowIndex } from "./flowIndex";
import { JournalSettings, parseJournalSettings } from "./settings";

export interface JournalPorts {
  readonly settings: JournalSettings;
  readonly flowIndex: FlowIndex;
  readonly incidents: FlowIncidents;
}

/**
 * The flow listing needs `TOP … ORDER BY`, which the DocumentStore port does not offer, so the journal queries its
 * container directly. The client is created on first use: a host with bad settings still lists its functions.
 */
export const createJournalPorts = (env: NodeJS.ProcessEnv, credential: () => TokenCredential): JournalPorts => {
  const settings = parseJournalSettings(env);
  let database: Database | undefined;
  const getDatabase = (): Database => {
    if (!database) {
      const config = parseConfig(env);
      database = createCosmosClient(config, credential).database(config.COSMOS_DATABASE_NAME);
    }
    return database;
  };
  return {
    settings,
    flowIndex: createCosmosFlowIndex(() => getDatabase().container(services.journal.container), settings.deadlinesInMs),
    incidents: createFlowIncidents({ deadLettersUrl: settings.deadLettersUrl, poisonContainers: settings.poisonContainers, database: getDatabase }),
  };
};
